import { createSynthRunner } from '../../../cdk/synth/synth-runner';
import { loadConfig } from '../../config/load-config';
import type { CairnConfig } from '../../config/types';
import type { Log } from '../../log';
import { createLog } from '../../log';
import { createServer } from '../../server/create-server';
import { Metrics } from '../../server/metrics';
import { startSchedules } from '../../reconcile/schedules';
import { wire } from '../wire';
import { uiSources } from '../wire-ui';
import { revertPort } from './revert';
import { handoffKeyFor } from '../wire-shard';
import { claimUnshardedHeartbeat } from '../wire-unsharded';
import { ignoreHangUp, untilStopSignal } from '../stop-signal';
import { reportRemovedEnvironments } from '../removed-environments';

/**
 * `cairn run`: the long-running controller. The HTTP server starts first (so /healthz answers
 * during the first fetch); SIGINT/SIGTERM stop timers, let running reconciles finish, and exit 0.
 */
export async function runCommand(o: { config: string; logFormat: 'json' | 'pretty' }): Promise<number> {
  const config = loadConfig(o.config);
  const log = createLog({ format: o.logFormat });
  ignoreHangUp(log);
  const metrics = new Metrics();
  const handoffKey = handoffKeyFor(config);
  // Before anything is opened: a second unsharded replica must not close the first one's attempts.
  let lostHeartbeat: (why: string) => void = () => undefined;
  const heartbeatLost = new Promise<string>((resolve) => (lostHeartbeat = resolve));
  const heartbeat = await claimUnshardedHeartbeat(config, log, (why) => lostHeartbeat(why));
  let wired: Awaited<ReturnType<typeof wire>>;
  try {
    wired = await wire(config, log, metrics, heartbeat);
  } catch (error) {
    await heartbeat?.release();
    throw error;
  }
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer({
      controller: wired.controller,
      config: config.server,
      metrics,
      log,
      ...(handoffKey ? { handoffKey } : {}),
      // The web UI's live events, its extra reads, and its "Open revert PR" (as `cairn revert` does it).
      live: wired.live,
      ui: uiSources(config, wired, revertPort(config.file)),
    });
  } catch (error) {
    // A failed start-up (a port in use, a missing secret) must not keep the audit lock.
    await wired.close();
    await heartbeat?.release();
    throw error;
  }
  log.info(
    {
      url: server.url,
      ...(server.probeUrl ? { probeUrl: server.probeUrl } : {}),
      environments: config.environments.map((e) => e.name),
    },
    'controller started',
  );
  await reportSynthIsolation(config, log);
  await reportRemovedEnvironments(config, wired.audit, log);
  await wired.controller.start();
  const schedules = startSchedules(config, wired.controller, log);

  const lost = await Promise.race([untilStopSignal(log).then(() => null), heartbeatLost]);
  if (lost !== null)
    log.error(
      { code: 'sharding.unsharded-peer', err: lost },
      'another unsharded replica took over this repository; stopping',
    );
  await schedules.stop();
  await server.close();
  await wired.close();
  // Only a heartbeat still ours is deleted (the release is conditioned on its resourceVersion).
  await heartbeat?.release();
  log.info('stopped');
  return lost === null ? 0 : 1;
}

/**
 * Says at start-up, per environment, how its CDK app will be isolated, and which environments
 * will refuse to synthesize because the isolation they ask for is not available here. A
 * `kubernetes.render` of its own is reported too (renders are found only when a tree is read).
 */
async function reportSynthIsolation(config: CairnConfig, log: Log): Promise<void> {
  for (const env of config.environments) {
    const isolations = [
      ...(env.aws
        ? [
            {
              phase: 'synthesize',
              settings: env.aws.synth,
              refused: 'synth isolation is not available: this environment will refuse to synthesize',
              open: "the CDK app runs without isolation and can read the controller's credentials",
            },
          ]
        : []),
      ...(env.kubernetes?.render
        ? [
            {
              phase: 'plan',
              settings: env.kubernetes.render,
              refused:
                'render isolation is not available: this environment will refuse to render kustomize and helm folders',
              open: "kustomize and helm run without isolation and can read the controller's credentials",
            },
          ]
        : []),
    ];
    for (const { phase, settings, refused, open } of isolations) {
      const runner = createSynthRunner(settings);
      const why = await runner.unavailable();
      if (why) log.error({ env: env.name, phase, isolation: runner.isolation, reason: why }, refused);
      else if (runner.isolation === 'none') log.warn({ env: env.name, phase, isolation: 'none' }, open);
    }
  }
}
