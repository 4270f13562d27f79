// `approve` and `revoke` against the cluster: read, decide, confirm, write one guarded patch; on a
// conflict read again and write again only if the decision is still the one the user confirmed.
import type { ClusterPromotion } from '../api/types.ts';
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { EXIT_API, EXIT_USAGE, explainFailure, LiveError } from '../kube/errors.ts';
import { patchObject } from '../kube/objects.ts';
import { CLUSTER_PROMOTIONS } from '../kube/resources.ts';
import { decideApproval, decideRevoke, sameTarget, type ApprovalDecision, type RevokeDecision } from './approval.ts';
import { NOTHING_ELSE, getPromotion, viewOf } from './snapshot.ts';

export interface WriteOutcome {
  /** What was done, in a sentence; printed as is. */
  message: string;
  /** The promotion as the server returned it after the write (or as read, when nothing was written). */
  promotion: ClusterPromotion;
  written: boolean;
  stage: string | null;
  index: number | null;
  /** Approved before the stage reached its gate. */
  ahead: boolean;
}

export interface WriteOptions {
  /** Asks the user; resolves to false to cancel. Not called with --yes. */
  confirm?: (question: string) => Promise<boolean>;
  /** The server's time; by default the client's reading of it (KubeClient.serverNow). */
  now?: () => Date;
  /** Conflicts tolerated before giving up. */
  attempts?: number;
}

type Decision = ApprovalDecision | RevokeDecision;
type Writable = Extract<Decision, { patch: unknown }>;

/** Approves the stage waiting for approval, or `stage` (ahead of its gate if need be). */
export function approve(
  client: KubeClient,
  name: string,
  stage: string | undefined,
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  return write(client, name, options, (p, now) => decideApproval(p, viewOf(p, NOTHING_ELSE, now), stage), 'approve');
}

/** Sets `approved` of `stage` back to false. */
export function revoke(
  client: KubeClient,
  name: string,
  stage: string,
  options: WriteOptions = {},
): Promise<WriteOutcome> {
  return write(client, name, options, (p, now) => decideRevoke(p, viewOf(p, NOTHING_ELSE, now), stage), 'revoke');
}

async function write(
  client: KubeClient,
  name: string,
  options: WriteOptions,
  decide: (p: ClusterPromotion, now: Date) => Decision,
  verb: 'approve' | 'revoke',
): Promise<WriteOutcome> {
  const now = options.now ?? (() => new Date(client.serverNow()));
  const attempts = options.attempts ?? 5;
  let promotion = await getPromotion(client, name);
  const first = decide(promotion, now());
  if (first.kind === 'refuse') throw new LiveError(first.message, EXIT_USAGE);
  if (first.kind === 'nothing') return nothingDone(first, promotion);
  if (options.confirm) {
    const question =
      first.kind === 'approve'
        ? approveQuestion(name, first)
        : `Revoke the approval of stage ${first.stage} of ${name}?`;
    if (!(await options.confirm(question)))
      throw new LiveError(`not ${verb === 'approve' ? 'approved' : 'revoked'}: cancelled`, EXIT_USAGE);
  }

  let decision: Writable = first;
  for (let attempt = 1; ; attempt++) {
    try {
      const written = await patchObject<ClusterPromotion>(client, CLUSTER_PROMOTIONS, name, decision.patch);
      return doneMessage(name, decision, written);
    } catch (e) {
      const conflict = e instanceof KubeApiError && (e.code === 409 || e.code === 422);
      if (!conflict) throw explainFailure(e, { verb: 'patch', resource: CLUSTER_PROMOTIONS, name }, client.connection);
      if (attempt >= attempts) {
        throw new LiveError(
          `${name} kept changing while writing (${attempt} tries, last: ${e.message}); nothing was written, try again`,
          EXIT_API,
        );
      }
    }
    // Someone else wrote in between: look again, and go on only with the very stage the user confirmed.
    promotion = await getPromotion(client, name);
    const again = decide(promotion, now());
    if (again.kind === 'nothing' && again.stage === first.stage) return nothingDone(again, promotion);
    if (again.kind === 'refuse' || again.kind === 'nothing' || !sameTarget(first, again)) {
      const why = again.kind === 'refuse' ? again.message : `stage ${again.stage} is the one at stake now`;
      throw new LiveError(
        `${name} changed while writing: ${why}; nothing was written, run the command again`,
        EXIT_API,
      );
    }
    decision = again;
  }
}

function approveQuestion(name: string, d: Extract<ApprovalDecision, { kind: 'approve' }>): string {
  return d.ahead
    ? `Stage ${d.stage} of ${name} has not reached its gate yet. Approve it now, so it passes the gate when ` +
        `it gets there?`
    : `Approve stage ${d.stage} of ${name}?`;
}

function nothingDone(d: Extract<Decision, { kind: 'nothing' }>, promotion: ClusterPromotion): WriteOutcome {
  return {
    message: `${d.message}: nothing to do`,
    promotion,
    written: false,
    stage: d.stage,
    index: d.index,
    ahead: false,
  };
}

function doneMessage(name: string, d: Writable, written: ClusterPromotion): WriteOutcome {
  let message: string;
  let ahead = false;
  if (d.kind === 'approve') {
    ahead = d.ahead;
    message = d.ahead
      ? `approved stage ${d.stage} of ${name} ahead of its gate: it passes the gate as soon as it reaches ` +
        `it and is deployed`
      : `approved stage ${d.stage} of ${name}`;
  } else {
    message = d.passed
      ? `revoked the approval of stage ${d.stage} of ${name} (it had already passed its gate: this only ` +
        `matters if the pipeline restarts)`
      : `revoked the approval of stage ${d.stage} of ${name}`;
  }
  return { message, promotion: written, written: true, stage: d.stage, index: d.index, ahead };
}
