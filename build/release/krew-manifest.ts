// The krew plugin manifest: its shape, the rules krew and the krew-index apply to it, and how
// krew picks the platform for an os/arch. The release checks the manifest it writes with these
// rules, and the tests check the committed one, so a manifest the index would reject never ships.
//
// The rules follow krew's own validation (internal/index/validation) and the index's
// validate-krew-manifest tool, plus the index's review guidelines for the texts.

export const KREW_API_VERSION = 'krew.googlecontainertools.github.com/v1alpha2';
export const KREW_KIND = 'Plugin';

export interface KrewSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface KrewSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: KrewSelectorRequirement[];
}

export interface KrewFileOperation {
  from: string;
  to: string;
}

export interface KrewPlatform {
  uri: string;
  sha256: string;
  bin: string;
  files?: KrewFileOperation[];
  selector: KrewSelector;
}

export interface KrewPlugin {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    version: string;
    homepage?: string;
    shortDescription: string;
    description?: string;
    caveats?: string;
    platforms: KrewPlatform[];
  };
}

export interface OsArch {
  os: string;
  arch: string;
}

/** The os/arch pairs the index's validator knows; each platform must select one, none two. */
export const KREW_OS_ARCH: readonly OsArch[] = [
  { os: 'windows', arch: '386' },
  { os: 'windows', arch: 'amd64' },
  { os: 'windows', arch: 'arm64' },
  { os: 'linux', arch: '386' },
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm' },
  { os: 'linux', arch: 'arm64' },
  { os: 'linux', arch: 'ppc64le' },
  { os: 'darwin', arch: '386' },
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
];

// krew's IsSafePluginName: the name becomes a directory and a file name on every OS.
const SAFE_NAME = /^[\w-]+$/;
const WINDOWS_RESERVED = new Set([
  'CON',
  'PRN',
  'AUX',
  'NUL',
  ...Array.from({ length: 9 }, (_, i) => `COM${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `LPT${i + 1}`),
]);
const SHA256 = /^[a-f0-9]{64}$/;
// krew parses spec.version with its semver package, which insists on the leading v. The grammar is
// semver.org's: numeric identifiers have no leading zero, pre-release identifiers may be numeric or not.
const NUMERIC_ID = String.raw`0|[1-9]\d*`;
const PRERELEASE_ID = String.raw`${NUMERIC_ID}|\d*[a-zA-Z-][0-9a-zA-Z-]*`;
const BUILD_ID = '[0-9a-zA-Z-]+';
const SEMVER_V = new RegExp(
  String.raw`^v(${NUMERIC_ID})\.(${NUMERIC_ID})\.(${NUMERIC_ID})` +
    String.raw`(?:-((?:${PRERELEASE_ID})(?:\.(?:${PRERELEASE_ID}))*))?` +
    String.raw`(?:\+(${BUILD_ID}(?:\.${BUILD_ID})*))?$`,
);
/** validate-krew-manifest looks for one of these among the installed files. */
export const LICENSE_FILE_NAMES = new Set([
  'license',
  'license.txt',
  'license.md',
  'licenses',
  'licenses.txt',
  'licenses.md',
  'copying',
  'copying.txt',
]);

export const SHORT_DESCRIPTION_MAX = 50;
export const DESCRIPTION_WIDTH = 80;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a platform selector picks the given os/arch, as a Kubernetes label selector would. */
export function selectorMatches(selector: KrewSelector, target: OsArch): boolean {
  const labels: Record<string, string> = { os: target.os, arch: target.arch };
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const value = labels[req.key];
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** The platform krew installs on os/arch: the first whose selector matches. */
export function platformFor(plugin: KrewPlugin, target: OsArch): KrewPlatform | undefined {
  return plugin.spec.platforms.find((p) => selectorMatches(p.selector, target));
}

function validateSelector(sel: unknown, at: string, problems: string[]): void {
  if (!isRecord(sel)) {
    problems.push(`${at}.selector: a selector is required (krew rejects a nil selector)`);
    return;
  }
  const labels = sel['matchLabels'];
  const exprs = sel['matchExpressions'];
  if (labels === undefined && (exprs === undefined || (Array.isArray(exprs) && exprs.length === 0))) {
    problems.push(`${at}.selector: empty selector; give matchLabels os and arch`);
    return;
  }
  const keys: string[] = [];
  if (labels !== undefined) {
    if (!isRecord(labels) || Object.keys(labels).length === 0) {
      problems.push(`${at}.selector.matchLabels: specified but empty`);
    } else {
      for (const [k, v] of Object.entries(labels)) {
        keys.push(k);
        if (typeof v !== 'string') problems.push(`${at}.selector.matchLabels.${k}: must be a string`);
      }
    }
  }
  if (exprs !== undefined) {
    if (!Array.isArray(exprs) || exprs.length === 0) {
      problems.push(`${at}.selector.matchExpressions: specified but empty`);
    } else {
      exprs.forEach((e, i) => {
        if (!isRecord(e) || typeof e['key'] !== 'string') {
          problems.push(`${at}.selector.matchExpressions[${i}]: needs a key`);
          return;
        }
        keys.push(e['key']);
        if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(String(e['operator']))) {
          problems.push(
            `${at}.selector.matchExpressions[${i}].operator: ${String(e['operator'])} is not a selector operator`,
          );
        }
      });
    }
  }
  for (const k of keys) {
    if (k !== 'os' && k !== 'arch')
      problems.push(`${at}.selector: key "${k}" is not supported; krew selects on os and arch only`);
  }
}

function validatePlatform(p: unknown, at: string, problems: string[]): void {
  if (!isRecord(p)) {
    problems.push(`${at}: must be a mapping`);
    return;
  }
  if (typeof p['uri'] !== 'string' || p['uri'] === '') problems.push(`${at}.uri: has to be set`);
  else if (!/^https:\/\//.test(p['uri'])) problems.push(`${at}.uri: ${p['uri']} is not an https URL`);
  if (typeof p['sha256'] !== 'string' || p['sha256'] === '') problems.push(`${at}.sha256: has to be set`);
  else if (!SHA256.test(p['sha256'])) problems.push(`${at}.sha256: ${p['sha256']} is not 64 lowercase hex digits`);
  if (typeof p['bin'] !== 'string' || p['bin'] === '') problems.push(`${at}.bin: has to be set`);
  else if (p['bin'].split(/[\\/]/).includes('..') || p['bin'].startsWith('/')) {
    problems.push(`${at}.bin: ${p['bin']} must stay inside the installation directory`);
  }
  const files = p['files'];
  if (files !== undefined) {
    if (!Array.isArray(files) || files.length === 0) {
      problems.push(`${at}.files: has to be unspecified or non-empty`);
    } else {
      files.forEach((f, i) => {
        if (!isRecord(f) || typeof f['from'] !== 'string' || f['from'] === '')
          problems.push(`${at}.files[${i}].from: has to be set`);
        else if (typeof f['to'] !== 'string' || f['to'] === '') problems.push(`${at}.files[${i}].to: has to be set`);
      });
    }
  }
  validateSelector(p['selector'], at, problems);
}

function validateTexts(spec: Record<string, unknown>, problems: string[]): void {
  const short = spec['shortDescription'];
  if (typeof short !== 'string' || short.trim() === '') {
    problems.push('spec.shortDescription: should have a short description');
  } else {
    if (short.trim().includes('\n')) problems.push('spec.shortDescription: must be one line');
    if (short.trim().length > SHORT_DESCRIPTION_MAX) {
      problems.push(
        `spec.shortDescription: ${short.trim().length} characters; the index allows ${SHORT_DESCRIPTION_MAX}`,
      );
    }
  }
  const description = spec['description'];
  if (typeof description !== 'string' || description.trim() === '') {
    problems.push('spec.description: should say what the plugin does');
  } else {
    description.split('\n').forEach((line, i) => {
      if (line.length > DESCRIPTION_WIDTH) {
        problems.push(`spec.description line ${i + 1}: ${line.length} columns; wrap at ${DESCRIPTION_WIDTH}`);
      }
      // The index asks for what the plugin does, with usage left to the plugin's own help.
      if (/^\s*(\$\s|kubectl\s)/.test(line)) {
        problems.push(
          `spec.description line ${i + 1}: looks like a usage example; the index wants none in the description`,
        );
      }
    });
  }
  const homepage = spec['homepage'];
  if (typeof homepage !== 'string' || !/^https:\/\//.test(homepage)) {
    problems.push('spec.homepage: should be the https URL of the project');
  }
  if (spec['caveats'] !== undefined && typeof spec['caveats'] !== 'string') {
    problems.push('spec.caveats: must be text');
  }
}

/**
 * Every rule the manifest breaks, one line each naming the field; empty when krew and the index
 * would accept it. `name` is the plugin name the manifest is installed under.
 */
export function validateManifest(doc: unknown, name: string): string[] {
  const problems: string[] = [];
  if (!isRecord(doc)) return ['manifest: must be a YAML mapping'];
  if (doc['apiVersion'] !== KREW_API_VERSION) {
    problems.push(`apiVersion: ${String(doc['apiVersion'])} is not supported; use ${KREW_API_VERSION}`);
  }
  if (doc['kind'] !== KREW_KIND) problems.push(`kind: ${String(doc['kind'])}; only ${KREW_KIND} is supported`);
  if (!SAFE_NAME.test(name) || WINDOWS_RESERVED.has(name.toUpperCase())) {
    problems.push(`metadata.name: "${name}" is not allowed; it must match ${SAFE_NAME.source}`);
  }
  const metadata = doc['metadata'];
  const actualName = isRecord(metadata) ? metadata['name'] : undefined;
  if (actualName !== name)
    problems.push(`metadata.name: plugin should be named "${name}", not "${String(actualName)}"`);
  const spec = doc['spec'];
  if (!isRecord(spec)) return [...problems, 'spec: is required'];
  const version = spec['version'];
  if (typeof version !== 'string' || version === '') problems.push('spec.version: should have a version');
  else if (!SEMVER_V.test(version))
    problems.push(`spec.version: ${version} is not a semantic version with a leading v (like v1.2.3)`);
  validateTexts(spec, problems);
  const platforms = spec['platforms'];
  if (!Array.isArray(platforms) || platforms.length === 0) {
    problems.push('spec.platforms: should have a platform');
    return problems;
  }
  for (const [i, p] of platforms.entries()) validatePlatform(p, `spec.platforms[${i}]`, problems);
  if (problems.length > 0) return problems;
  const typed = platforms as KrewPlatform[];
  typed.forEach((p, i) => {
    if (!KREW_OS_ARCH.some((t) => selectorMatches(p.selector, t))) {
      problems.push(`spec.platforms[${i}].selector: matches no platform krew supports`);
    }
  });
  for (const target of KREW_OS_ARCH) {
    const hits = typed.flatMap((p, i) => (selectorMatches(p.selector, target) ? [i] : []));
    if (hits.length > 1) {
      problems.push(`spec.platforms: ${hits.join(' and ')} overlap: both select ${target.os}/${target.arch}`);
    }
  }
  return problems;
}

/** The os/arch a platform was written for (its matchLabels), for naming archives and messages. */
export function platformOsArch(p: KrewPlatform): OsArch | undefined {
  return KREW_OS_ARCH.find((t) => selectorMatches(p.selector, t));
}
