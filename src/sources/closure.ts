/**
 * Nested group membership, flattened in memory. Directories allow cycles (X ⊃ Y ⊃ X) and AD even
 * makes them easy, so every walk keeps a visited set instead of recursing: a cycle just means each
 * group of it contains the others.
 */
export class MembershipGraph {
  /** child group → groups that list it as a member */
  private readonly parents = new Map<string, Set<string>>();
  /** parent group → groups it lists as members */
  private readonly children = new Map<string, Set<string>>();
  private readonly ancestorMemo = new Map<string, ReadonlySet<string>>();

  /** Records that group `parent` has group `child` as a member. */
  addNesting(parent: string, child: string): void {
    if (parent === child) return;
    link(this.parents, child, parent);
    link(this.children, parent, child);
    this.ancestorMemo.clear();
  }

  /** The group and every group that contains it, directly or through nesting. */
  ancestors(group: string): ReadonlySet<string> {
    const memo = this.ancestorMemo.get(group);
    if (memo) return memo;
    const found = walk(group, this.parents);
    this.ancestorMemo.set(group, found);
    return found;
  }

  /** Every group reachable from any of the given direct groups, the direct ones included. */
  closureOf(directGroups: Iterable<string>): Set<string> {
    const all = new Set<string>();
    for (const g of directGroups) for (const a of this.ancestors(g)) all.add(a);
    return all;
  }

  /** The group and every group nested inside it. */
  descendants(group: string): ReadonlySet<string> {
    return walk(group, this.children);
  }
}

function link(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from);
  if (!set) {
    set = new Set();
    map.set(from, set);
  }
  set.add(to);
}

function walk(start: string, edges: Map<string, Set<string>>): Set<string> {
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length > 0) {
    const node = stack.pop() as string;
    for (const next of edges.get(node) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  return seen;
}
