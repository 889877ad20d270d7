/**
 * A hand-judged table of IAM actions (lower case) to the sentence a refusal quotes, built group by
 * group: `build` calls `group(sentence, ...actions)` once per group. An action put in two groups
 * fails the table's load, naming it: the refusal would otherwise quote the later group's sentence
 * only, and a reader of the table would find the action judged twice.
 */
export function actionTable(
  name: string,
  build: (group: (sentence: string, ...actions: string[]) => void) => void,
): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  build((sentence, ...actions) => {
    for (const action of actions) {
      if (table.has(action)) throw new Error(`${name}: ${action} is in two groups; keep it in one`);
      table.set(action, sentence);
    }
  });
  return table;
}
