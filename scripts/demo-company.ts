/**
 * A sample company for the demo: a few hundred people in a dozen departments, nested groups, a few leavers,
 * and a few entries IAM must reject (so the demo shows dead letters with reasons, not only green).
 * Deterministic: the same LDIF every time.
 */
const FIRST = [
  "Ada",
  "Alan",
  "Grace",
  "Linus",
  "Margaret",
  "Ken",
  "Barbara",
  "Dennis",
  "Frances",
  "Edsger",
  "Radia",
  "Tim",
  "Sophie",
  "José",
  "Zoë",
  "Björn",
  "Ingrid",
  "Søren",
  "Chloé",
  "Mateo",
  "Aiko",
  "Kwame",
  "Priya",
  "Lucía",
  "Oskar",
];
const LAST = [
  "Lovelace",
  "Turing",
  "Hopper",
  "Torvalds",
  "Hamilton",
  "Thompson",
  "Liskov",
  "Ritchie",
  "Allen",
  "Dijkstra",
  "Perlman",
  "Berners",
  "Wilson",
  "Müller",
  "García",
  "Nakamura",
  "Okafor",
  "Sharma",
  "Łukasik",
  "Johansson",
];
export const DEPARTMENTS = [
  "Engineering",
  "Data",
  "Security",
  "Sales",
  "Marketing",
  "Finance",
  "HR",
  "Legal",
  "Support",
  "Product",
  "Design",
  "IT-Ops",
];

function ascii(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/Ł/g, "L")
    .replace(/ł/g, "l")
    .replace(/ø/g, "o")
    .replace(/Ø/g, "O");
}

export interface DemoPerson {
  uid: string;
  cn: string;
  sn: string;
  mail: string;
  department: string;
  password: string;
  terminated?: boolean;
  /** Why IAM will refuse this one (for the demo's summary). */
  rejectedBecause?: string;
}

export function company(size = 300): DemoPerson[] {
  const people: DemoPerson[] = [];
  const taken = new Set<string>();
  for (let i = 0; people.length < size; i++) {
    const first = FIRST[i % FIRST.length] as string;
    const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    let uid = ascii(`${first}.${last}`).toLowerCase();
    if (taken.has(uid)) uid = `${uid}${Math.floor(i / (FIRST.length * LAST.length)) + 2}`;
    if (taken.has(uid)) continue;
    taken.add(uid);
    people.push({
      uid,
      cn: `${first} ${last}`,
      sn: last,
      mail: `${uid}@acme.example`,
      department: DEPARTMENTS[i % DEPARTMENTS.length] as string,
      password: `Welcome-${(i * 7919) % 100000}-Acme!`,
      ...(i % 97 === 13 ? { terminated: true } : {}),
    });
  }
  // People IAM cannot take as they are: the plan refuses them with the reason, the rest go on.
  people.push(
    {
      uid: "john smith",
      cn: "John Smith",
      sn: "Smith",
      mail: "john.smith@acme.example",
      department: "Sales",
      password: "Welcome-1-Acme!",
      rejectedBecause: "a space in the user name",
    },
    {
      uid: `a.very.long.login.name.${"x".repeat(50)}`,
      cn: "Long Name",
      sn: "Name",
      mail: "long@acme.example",
      department: "Finance",
      password: "Welcome-2-Acme!",
      rejectedBecause: "a user name over 64 characters",
    },
    {
      uid: "r&d/intern",
      cn: "R&D Intern",
      sn: "Intern",
      mail: "intern@acme.example",
      department: "Engineering",
      password: "Welcome-3-Acme!",
      rejectedBecause: "characters IAM does not allow",
    },
    {
      uid: "weakpass",
      cn: "Weak Password",
      sn: "Password",
      mail: "weak@acme.example",
      department: "Support",
      password: "password",
      rejectedBecause: "a password the account's policy refuses",
    },
  );
  return people;
}

export function companyLdif(base: string, people: DemoPerson[]): string {
  const out: string[] = [
    `dn: ${base}\nobjectClass: organizationalUnit\nou: acme\n`,
    `dn: ou=people,${base}\nobjectClass: organizationalUnit\nou: people\n`,
    `dn: ou=groups,${base}\nobjectClass: organizationalUnit\nou: groups\n`,
  ];
  for (const p of people) {
    out.push(
      [
        `dn: uid=${p.uid},ou=people,${base}`,
        "objectClass: inetOrgPerson",
        `uid: ${p.uid}`,
        `cn: ${p.cn}`,
        `sn: ${p.sn}`,
        `mail: ${p.mail}`,
        `departmentNumber: ${p.department}`,
        `carLicense: ${p.password}`,
        ...(p.terminated ? ["employeeType: terminated"] : []),
        "",
      ].join("\n"),
    );
  }
  for (const d of DEPARTMENTS) {
    const members = people.filter((p) => p.department === d && !p.rejectedBecause?.includes("over 64"));
    out.push(
      [
        `dn: cn=${d},ou=groups,${base}`,
        "objectClass: groupOfNames",
        `cn: ${d}`,
        ...members.map((m) => `member: uid=${m.uid},ou=people,${base}`),
        "",
      ].join("\n"),
    );
  }
  // Nested: everyone in Engineering, Data and Security is also in Tech, and Tech is in Everyone-Tech-Ops.
  out.push(
    [
      `dn: cn=Tech,ou=groups,${base}`,
      "objectClass: groupOfNames",
      "cn: Tech",
      ...["Engineering", "Data", "Security"].map((g) => `member: cn=${g},ou=groups,${base}`),
      "",
    ].join("\n"),
  );
  out.push(
    [
      `dn: cn=Tech-and-Ops,ou=groups,${base}`,
      "objectClass: groupOfNames",
      "cn: Tech-and-Ops",
      `member: cn=Tech,ou=groups,${base}`,
      `member: cn=IT-Ops,ou=groups,${base}`,
      "",
    ].join("\n"),
  );
  return out.join("\n");
}
