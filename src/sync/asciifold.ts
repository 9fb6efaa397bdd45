/**
 * Folds text to ASCII for IAM names (`[\w+=,.@-]`): NFKD splits accented letters into base + marks, the
 * marks are dropped, and a small table covers letters Unicode does not decompose (ß, Ł, Ø, Æ ...).
 * Characters with no ASCII form are kept, so the name check still reports them instead of a silent loss.
 */
const TABLE: Record<string, string> = {
  ß: "ss",
  ẞ: "SS",
  Ł: "L",
  ł: "l",
  Ø: "O",
  ø: "o",
  Æ: "AE",
  æ: "ae",
  Œ: "OE",
  œ: "oe",
  Đ: "D",
  đ: "d",
  Ð: "D",
  ð: "d",
  Þ: "Th",
  þ: "th",
  Ħ: "H",
  ħ: "h",
  ı: "i",
  Ŀ: "L",
  ŀ: "l",
  ĸ: "k",
  Ŧ: "T",
  ŧ: "t",
  Ŋ: "N",
  ŋ: "n",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2013": "-",
  "\u2014": "-",
};

const MARKS = /\p{M}+/gu;
const NON_ASCII = /[^\u0000-\u007f]/g;

export function asciifold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(MARKS, "")
    .replace(NON_ASCII, (ch) => TABLE[ch] ?? ch);
}
