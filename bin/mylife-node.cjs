#!/usr/bin/env node
'use strict';
// The operator CLI (`npm run cli -- …`): users, migrations, keys, openapi.json.
require('./fresh-build.cjs').ensureFreshBuildOrExit('server', 'mylife-node');
require('../dist/src/cli/main.js');
