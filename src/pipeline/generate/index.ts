export { gateProblems, exampleMessages } from './example.ts';
export { planGeneration } from './plan.ts';
export type { GenItem } from './plan.ts';
export { GATE_RULES, GenRecipe, placeholders, readGenRecipe } from './recipe.ts';
export type { GateRule } from './recipe.ts';
export { generate, rejectsFor } from './run.ts';
export type { GenAnswer, GenerateOptions, GenerateResult, GenStop } from './run.ts';
