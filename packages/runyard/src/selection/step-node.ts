/**
 * The static node (op invocation) a step key belongs to: the part before the first `[`. Mapped
 * steps of a dynamic fan-out (`load[a.csv]`) belong to their node (`load`); selections name nodes.
 */
export function stepNodeName(stepKey: string): string {
  const bracket = stepKey.indexOf('[');
  return bracket === -1 ? stepKey : stepKey.slice(0, bracket);
}
