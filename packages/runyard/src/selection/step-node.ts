/**
 * The static node (op invocation) a step key belongs to: the part before the first `[`. Mapped
 * steps of a dynamic fan-out (`load[a.csv]`) belong to their node (`load`); selections name nodes.
 * One definition, in definitions/step-key.ts; this name is the one the selection code reads.
 */
export { stepNodeOf as stepNodeName } from '../definitions/step-key.js';
