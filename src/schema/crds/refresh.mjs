#!/usr/bin/env node
// Refreshes the vendored Sveltos CRDs from checkouts of projectsveltos/addon-controller and
// projectsveltos/libsveltos:
//
//   node src/schema/crds/refresh.mjs ../addon-controller ../libsveltos [OUT_DIR]
//
// Each CRD is stored as the JSON of the upstream YAML (the program parses JSON in a millisecond,
// the YAML in half a second) and sources.json records the commit it came from. Nothing else in
// the project lists a field: types, lint, the served API and its OpenAPI all read these files.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const FILES = [
  { repo: 'addon-controller', path: 'config/crd/bases/config.projectsveltos.io_clusterpromotions.yaml' },
  { repo: 'addon-controller', path: 'config/crd/bases/config.projectsveltos.io_clusterprofiles.yaml' },
  { repo: 'addon-controller', path: 'config/crd/bases/config.projectsveltos.io_clustersummaries.yaml' },
  { repo: 'libsveltos', path: 'config/crd/bases/lib.projectsveltos.io_sveltosclusters.yaml' },
];

const [addonController, libsveltos, outDir] = process.argv.slice(2);
if (!addonController || !libsveltos) {
  console.error('usage: node src/schema/crds/refresh.mjs ADDON_CONTROLLER_CHECKOUT LIBSVELTOS_CHECKOUT [OUT_DIR]');
  process.exit(2);
}
const checkouts = { 'addon-controller': addonController, libsveltos };
const here = outDir ?? import.meta.dirname;

function describe(dir) {
  const git = (...args) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' }).trim();
  return { commit: git('rev-parse', 'HEAD'), describe: git('describe', '--tags', '--always') };
}

const sources = [];
for (const { repo, path } of FILES) {
  const dir = checkouts[repo];
  const crd = parse(readFileSync(join(dir, path), 'utf8'));
  if (crd?.kind !== 'CustomResourceDefinition') throw new Error(`${join(dir, path)} is not a CustomResourceDefinition`);
  const file = `${crd.metadata.name}.json`;
  writeFileSync(join(here, file), `${JSON.stringify(crd, null, 1)}\n`);
  sources.push({ file, repository: `projectsveltos/${repo}`, path, ...describe(dir) });
  console.log(`${file} <- projectsveltos/${repo} ${sources.at(-1).describe}`);
}
writeFileSync(join(here, 'sources.json'), `${JSON.stringify(sources, null, 2)}\n`);
