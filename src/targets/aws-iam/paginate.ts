/**
 * Follows IAM's Marker / IsTruncated paging to the end. IAM may return a short (even empty) page while
 * more exist, so only IsTruncated ends the loop, never the page size.
 */
export interface IamPage {
  IsTruncated?: boolean;
  Marker?: string;
}

export async function collectPages<P extends IamPage, T>(
  fetchPage: (marker: string | undefined) => Promise<P>,
  itemsOf: (page: P) => readonly T[] | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await fetchPage(marker);
    items.push(...(itemsOf(page) ?? []));
    if (!page.IsTruncated) return items;
    if (!page.Marker || page.Marker === marker) {
      // A truncated page without a new marker would loop for ever; stop rather than hammer the API.
      throw new Error("IAM returned IsTruncated without a new Marker");
    }
    marker = page.Marker;
  }
}
