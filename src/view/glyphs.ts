// How states look: Argo Rollouts-style glyphs and colours, with an ASCII set for terminals that
// are not UTF-8 (a Unicode glyph there prints as mojibake and breaks the column alignment).
import type { ClusterState, OverallPhase, ViewStagePhase } from './model.ts';

/** What a state means to the person watching; each tone has one glyph and one colour. */
export type Tone = 'done' | 'progressing' | 'waitingOnTime' | 'waitingOnPerson' | 'failed' | 'notStarted';

export interface Glyphs {
  tone: Record<Tone, string>;
  branch: string;
  lastBranch: string;
  cursor: string;
  barFull: string;
  barEmpty: string;
  up: string;
  down: string;
  enter: string;
  dot: string;
  ellipsis: string;
  times: string;
}

export const UNICODE_GLYPHS: Glyphs = {
  tone: {
    done: '✔',
    progressing: '◌',
    waitingOnTime: '◷',
    waitingOnPerson: '⏸',
    failed: '✖',
    notStarted: '○',
  },
  branch: '├─',
  lastBranch: '└─',
  cursor: '›',
  barFull: '█',
  barEmpty: '░',
  up: '↑',
  down: '↓',
  enter: '⏎',
  dot: '·',
  ellipsis: '…',
  times: '×',
};

export const ASCII_GLYPHS: Glyphs = {
  tone: { done: '+', progressing: '*', waitingOnTime: '~', waitingOnPerson: '=', failed: 'x', notStarted: '-' },
  branch: '|-',
  lastBranch: '`-',
  cursor: '>',
  barFull: '#',
  barEmpty: '.',
  up: '^',
  down: 'v',
  enter: 'enter',
  dot: '-',
  ellipsis: '...',
  times: 'x',
};

export function stageTone(phase: ViewStagePhase): Tone {
  switch (phase) {
    case 'Promoted':
    case 'Completed':
      return 'done';
    case 'Soaking':
    case 'AwaitingWindow':
      return 'waitingOnTime';
    case 'AwaitingApproval':
      return 'waitingOnPerson';
    case 'Failed':
      return 'failed';
    case 'Pending':
      return 'notStarted';
    default:
      return 'progressing';
  }
}

export function overallTone(phase: OverallPhase): Tone {
  switch (phase) {
    case 'Completed':
      return 'done';
    case 'Waiting':
      return 'waitingOnTime';
    case 'Paused':
      return 'waitingOnPerson';
    case 'Failed':
      return 'failed';
    case 'NotStarted':
      return 'notStarted';
    default:
      return 'progressing';
  }
}

export function clusterTone(state: ClusterState): Tone {
  switch (state) {
    case 'Provisioned':
      return 'done';
    case 'Failed':
      return 'failed';
    case 'Provisioning':
    case 'Removing':
      return 'progressing';
    default:
      return 'notStarted';
  }
}

/**
 * Whether the terminal takes UTF-8, read the way the C library does: the first of LC_ALL,
 * LC_CTYPE and LANG that is set decides. Unset everywhere (a bare container) means the "C" locale,
 * so ASCII.
 */
export function supportsUnicode(env: Readonly<Record<string, string | undefined>>): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}
