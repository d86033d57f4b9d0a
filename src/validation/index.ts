import { ConfigError } from '../errors';
import { formatProblem, type FieldProblem } from './fields';

export * from './fields';

/**
 * The runtime side of src/validation/fields.ts: turns the problems the readers found into one
 * ConfigError (English messages, every bad field; `prefix` is put before each field, e.g. `camera`
 * for msg.camera overrides). Nothing is thrown when there is no problem.
 */
export function throwProblems(problems: readonly FieldProblem[], prefix?: string): void {
  if (problems.length === 0) return;
  throw ConfigError.of(problems.map((p) => ({ field: prefix ? `${prefix}.${p.field}` : p.field, value: p.value, message: formatProblem(p) })));
}
