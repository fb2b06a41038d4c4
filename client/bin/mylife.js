#!/usr/bin/env node
// In the MyLife Node repository the build is refreshed first when the sources are newer than it
// (../../bin/fresh-build.cjs); the published package has only its dist.
import { existsSync } from 'node:fs';

const freshBuild = new URL('../../bin/fresh-build.cjs', import.meta.url);
if (existsSync(freshBuild)) (await import(freshBuild.href)).default.ensureFreshBuildOrExit('client', 'mylife');
await import('../dist/cli/main.js');
