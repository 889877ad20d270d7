/** What a synchronous check threw (a CairnError's code, subject and message), or undefined when it passed. */
export function refusalOf(check: () => void): { code: string; subject: string; message: string } | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error as { code: string; subject: string; message: string };
  }
}
