import { generic } from './generic';
import { gitea } from './gitea';
import { github } from './github';
import { gitlab } from './gitlab';
import type { WebhookProvider } from './verdict';

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
