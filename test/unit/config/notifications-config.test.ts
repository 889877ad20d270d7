import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../controller/config/load-config';
import { forgetSecrets, MASK, maskSecrets } from '../../../controller/model';

const dir = mkdtempSync(join(tmpdir(), 'cairn-notify-config-'));
let n = 0;
function file(notifications: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(
    path,
    `repository: { url: ./repo }\nenvironments:\n  - name: dev\n    kubernetes: {}\naudit: { dir: ./audit }\nnotifications: ${notifications}\n`,
  );
  return path;
}

describe('the notifications section', () => {
  it('loads receivers as written, and their URL and secret count as secrets to mask', () => {
    process.env.SLACK_URL = 'https://hooks.slack.example/T/B/x';
    process.env.HOOK_SECRET = 's3cr3t-value';
    const config = loadConfig(
      file(
        '[{ name: chat, type: slack, urlEnv: SLACK_URL, events: [failed] }, { name: hook, type: webhook, urlEnv: HOOK_URL, secretEnv: HOOK_SECRET, events: [stalled], environments: [dev] }]',
      ),
    );
    expect(config.notifications).toEqual([
      { name: 'chat', type: 'slack', urlEnv: 'SLACK_URL', events: ['failed'] },
      {
        name: 'hook',
        type: 'webhook',
        urlEnv: 'HOOK_URL',
        secretEnv: 'HOOK_SECRET',
        events: ['stalled'],
        environments: ['dev'],
      },
    ]);
    expect(maskSecrets('to https://hooks.slack.example/T/B/x with s3cr3t-value')).toBe(
      `to ${MASK} with ${MASK}`,
    );
    delete process.env.SLACK_URL;
    delete process.env.HOOK_SECRET;
    forgetSecrets();
  });

  it.each([
    [
      'a webhook without its signing secret',
      '[{ name: hook, type: webhook, urlEnv: U, events: [failed] }]',
      'notifications[0].secretEnv: a webhook receiver is signed',
    ],
    [
      'an unknown environment',
      '[{ name: chat, type: slack, urlEnv: U, events: [failed], environments: [prod] }]',
      'notifications[0].environments: "prod" is not an environment',
    ],
    [
      'a duplicate name',
      '[{ name: a, type: slack, urlEnv: U, events: [failed] }, { name: a, type: slack, urlEnv: V, events: [failed] }]',
      'notifications[1].name: "a" is already used',
    ],
    [
      'an unknown event',
      '[{ name: a, type: slack, urlEnv: U, events: [exploded] }]',
      'notifications[0].events[0]',
    ],
  ])('refuses %s, naming the field', (_what, text, message) => {
    expect(() => loadConfig(file(text))).toThrow(message);
  });
});
