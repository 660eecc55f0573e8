import { parse as parseTagExpression } from '@cucumber/tag-expressions';
import { OPTIONS } from './option-table.js';
import { UsageError } from './usage-error.js';

/**
 * Checks a cucumber tag expression as the kit will combine it with the role tag. A bare word (`must`) is
 * valid cucumber syntax but matches no tag, since every tag starts with `@`: it is refused with the fix.
 * @throws UsageError naming the expression and what is wrong with it.
 */
export function checkTagExpression(expression: string): void {
  if (expression.trim() === '')
    throw new UsageError(
      '--tags',
      `--tags is empty: give a tag expression, e.g. ${OPTIONS.tags.example}, or leave --tags out`,
    );
  try {
    parseTagExpression(`@child and (${expression})`);
    parseTagExpression(expression);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/^.*syntax error:\s*/s, '')
      .replace(/\.$/, '');
    throw new UsageError(
      '--tags',
      `--tags "${expression}" is not a valid tag expression (${reason}): tags start with @ and combine with and, or, not and parentheses, e.g. ${OPTIONS.tags.example}`,
    );
  }
  const words = expression
    .replace(/[()]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '' && !['and', 'or', 'not'].includes(w));
  const bare = words.find((w) => !w.startsWith('@'));
  if (bare !== undefined) {
    throw new UsageError(
      '--tags',
      `--tags "${expression}": '${bare}' is not a tag (tags start with @): did you mean @${bare.replace(/^\\/, '')}?`,
    );
  }
}
