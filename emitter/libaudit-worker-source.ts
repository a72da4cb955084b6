// Runs in a worker thread: libaudit's calls are synchronous and may block up to ~40 s, and errno must be
// read on the thread that made the call. CommonJS source, evaluated by new Worker(…, { eval: true }).
export const LIBAUDIT_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const koffi = require(workerData.koffiPath);
const libaudit = koffi.load(workerData.library);
const auditOpen = libaudit.func('int audit_open(void)');
const auditClose = libaudit.func('void audit_close(int fd)');
const auditIsEnabled = libaudit.func('int audit_is_enabled(int fd)');
const auditLogUserMessage = libaudit.func(
  'int audit_log_user_message(int audit_fd, int type, const char *message, const char *hostname, const char *addr, const char *tty, int result)');
let fd = -1;
parentPort.on('message', (request) => {
  try {
    koffi.errno(0);
    let rc = 0;
    switch (request.op) {
      case 'open': rc = fd = auditOpen(); break;
      case 'enabled': rc = auditIsEnabled(fd); break;
      case 'send': rc = auditLogUserMessage(fd, request.type, request.message, null, null, request.tty, request.result); break;
      case 'sendMany': {
        // One message, many records: stop at the first one libaudit does not deliver.
        const results = [];
        for (const item of request.items) {
          koffi.errno(0);
          const sent = auditLogUserMessage(fd, item.type, item.message, null, null, request.tty, item.result);
          if (sent > 0) {
            results.push([sent, 0]);
            continue;
          }
          results.push([sent, koffi.errno()]);
          break;
        }
        parentPort.postMessage({ id: request.id, results });
        return;
      }
      case 'close': if (fd >= 0) auditClose(fd); fd = -1; break;
      default: throw new Error('unknown request ' + request.op);
    }
    parentPort.postMessage({ id: request.id, rc, errno: koffi.errno() });
  } catch (error) {
    parentPort.postMessage({ id: request.id, failure: String(error && error.message || error) });
  }
});
`;
