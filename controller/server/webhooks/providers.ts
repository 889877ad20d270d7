import { generic } from './generic';
import { gitea } from './gitea';
import { github } from './github';
import { gitlab, gitlabTokenRefusal } from './gitlab';
import type { Headers, WebhookProvider } from './verdict';

/** The providers served under `/hooks/<name>`. */
export type ProviderName = 'github' | 'gitlab' | 'gitea' | 'generic';

/** Each provider's verifier, by the name in its route. */
export const PROVIDERS: Readonly<Record<ProviderName, WebhookProvider>> = { github, gitlab, gitea, generic };

/**
 * The header each provider signs (or authenticates) a delivery with: a request without it is
 * refused before its body is read.
 */
export const SIGNATURE_HEADERS: Readonly<Record<ProviderName, string>> = {
  github: 'x-hub-signature-256',
  gitlab: 'x-gitlab-token',
  gitea: 'x-gitea-signature',
  generic: 'x-cairn-signature',
};

/** Narrows a route parameter to a provider name (so metric labels stay a closed set). */
export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(PROVIDERS, name);
}

/**
 * The providers whose credential is whole in a header, each with why it does not hold (undefined
 * when it does), so that a wrong one is refused before a byte of the body is read: GitLab's
 * `X-Gitlab-Token` is the shared secret itself. GitHub, Gitea and the generic scheme sign the
 * body (an HMAC over its bytes), so theirs can only be checked once the body is read: a forged
 * signature of theirs costs a body of at most `server.maxBodySize`, within the buffered budget.
 */
export const HEADER_CREDENTIALS: Readonly<
  Partial<Record<ProviderName, (headers: Headers, secret: string) => string | undefined>>
> = { gitlab: gitlabTokenRefusal };
