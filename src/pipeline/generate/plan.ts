import { hashString } from '../canonical.ts';
import { apportion } from '../mix-plan.ts';
import { seededRandom, shuffleInPlace } from '../random.ts';
import type { GenRecipe } from './recipe.ts';

/** One example to ask for: its stable id, the values it was made from, and the prompt. */
export interface GenItem {
  id: string;
  index: number;
  difficulty: string | null;
  values: Record<string, string>;
  prompt: string;
}

/**
 * The examples a recipe asks for, the same on every run: difficulties apportioned to the
 * target mix and spread by a seeded shuffle, seed values drawn by the recipe's seed. An id is
 * the recipe name, the index and a hash of the prompt, so an edited prompt is a new example.
 */
export function planGeneration(recipe: GenRecipe): GenItem[] {
  const random = seededRandom(`${recipe.name}\u0000${recipe.seed}`);
  const levels = Object.entries(recipe.difficulty ?? {});
  const difficulties: Array<string | null> = [];
  if (levels.length) {
    const counts = apportion(recipe.count, levels.map(([, weight]) => weight));
    levels.forEach(([level], i) => {
      for (let n = 0; n < counts[i]!; n++) difficulties.push(level);
    });
    shuffleInPlace(difficulties, random);
  }
  const keys = Object.keys(recipe.seeds).sort();
  const items: GenItem[] = [];
  for (let index = 0; index < recipe.count; index++) {
    const values: Record<string, string> = {};
    for (const key of keys) {
      const options = recipe.seeds[key]!;
      values[key] = options[random.below(options.length)]!;
    }
    const difficulty = difficulties[index] ?? null;
    const prompt = recipe.prompt.replace(/\{(\w+)\}/g, (whole, name: string) => (name === 'difficulty' ? (difficulty ?? whole) : (values[name] ?? whole)));
    const [hi] = hashString(`${recipe.system ?? ''}\u0000${prompt}`);
    items.push({ id: `${recipe.name}-${String(index).padStart(6, '0')}-${(hi >>> 0).toString(16).padStart(8, '0')}`, index, difficulty, values, prompt });
  }
  return items;
}
