// eddy's runtime interface client for Node.js Lambda handlers.
//
// Written into eddy's runtime directory at startup and run with the host's node. It speaks
// the Lambda Runtime API (AWS_LAMBDA_RUNTIME_API) like aws-lambda-nodejs-runtime-interface-client:
// load `file.export` from LAMBDA_TASK_ROOT (CommonJS .js/.cjs, ES modules .mjs or "type":
// "module"), then loop on `next` and run async (promise) or callback-style handlers,
// posting the JSON result or an error body {errorType, errorMessage, trace}. Load failures
// (Runtime.ImportModuleError, Runtime.HandlerNotFound, ...) are init errors, as on AWS.
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const util = require('util');
const { pathToFileURL } = require('url');

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const sep = api.lastIndexOf(':');
const HOST = api.slice(0, sep);
const PORT = Number(api.slice(sep + 1));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId;

function request(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const h = Object.assign({}, headers || {});
    if (body != null) h['Content-Length'] = Buffer.byteLength(body);
    const req = http.request({ host: HOST, port: PORT, method, path: '/2018-06-01' + p, agent, headers: h }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body != null) req.write(body);
    req.end();
  });
}

function patchConsole() {
  const levels = [['log', 'INFO'], ['info', 'INFO'], ['warn', 'WARN'], ['error', 'ERROR'], ['debug', 'DEBUG'], ['trace', 'TRACE']];
  for (const [fn, level] of levels) {
    console[fn] = (...args) => {
      const msg = util.format(...args).replace(/\n/g, '\r');
      process.stdout.write(`${new Date().toISOString()}\t${currentRequestId || 'undefined'}\t${level}\t${msg}\n`);
    };
  }
}

class Fault extends Error {
  constructor(type, message, cause) {
    super(message);
    this.name = type;
    if (cause && cause.stack) this.stack = `${type}: ${message}\n${cause.stack}`;
  }
}

function toErrorBody(e) {
  if (e instanceof Error) {
    return { errorType: e.name || 'Error', errorMessage: e.message, trace: String(e.stack || '').split('\n') };
  }
  return { errorType: typeof e, errorMessage: typeof e === 'string' ? e : JSON.stringify(e) ?? String(e), trace: [] };
}

async function loadHandler(handler) {
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    throw new Fault('Runtime.MalformedHandlerName', `Bad handler ${handler}`);
  }
  const modPath = handler.slice(0, dot);
  const name = handler.slice(dot + 1);
  const base = path.resolve(root, modPath);
  let mod;
  try {
    if (fs.existsSync(base + '.mjs')) {
      mod = await import(pathToFileURL(base + '.mjs').href);
    } else if (fs.existsSync(base + '.cjs')) {
      mod = require(base + '.cjs');
    } else if (fs.existsSync(base + '.js')) {
      try {
        mod = require(base + '.js');
      } catch (e) {
        if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
          mod = await import(pathToFileURL(base + '.js').href);
        } else {
          throw e;
        }
      }
    } else {
      throw new Fault('Runtime.ImportModuleError', `Error: Cannot find module '${modPath}'`);
    }
  } catch (e) {
    if (e instanceof Fault) throw e;
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new Fault('Runtime.ImportModuleError', `Error: ${e.message}`, e);
    }
    if (e instanceof SyntaxError) {
      throw new Fault('Runtime.UserCodeSyntaxError', `${e.name}: ${e.message}`, e);
    }
    throw e;
  }
  let fn = mod ? mod[name] : undefined;
  if (fn === undefined && mod && mod.default) fn = mod.default[name];
  if (fn === undefined) {
    throw new Fault('Runtime.HandlerNotFound', `${modPath}.${name} is undefined or not exported`);
  }
  if (typeof fn !== 'function') {
    throw new Fault('Runtime.HandlerNotFound', `${modPath}.${name} is not a function`);
  }
  return fn;
}

function makeContext(headers) {
  const deadline = Number(headers['lambda-runtime-deadline-ms'] || 0);
  const cc = headers['lambda-runtime-client-context'];
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: headers['lambda-runtime-aws-request-id'],
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: cc ? JSON.parse(cc) : undefined,
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function runHandler(handler, event, context) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (err, result) => {
      if (done) return;
      done = true;
      if (err !== undefined && err !== null) resolve({ err });
      else resolve({ ok: result });
    };
    context.succeed = (r) => finish(null, r);
    context.fail = (e) => finish(e === undefined || e === null ? 'handled' : e);
    context.done = (e, r) => finish(e, r);
    const callback = (e, r) => finish(e, r);
    try {
      const r = handler(event, context, callback);
      if (r && typeof r.then === 'function') {
        r.then((v) => finish(null, v), (e) => finish(e === undefined || e === null ? new Error(String(e)) : e));
      } else if (handler.length < 3) {
        // A synchronous handler without a callback: AWS answers null once it returns.
        setImmediate(() => finish(null, null));
      }
    } catch (e) {
      finish(e);
    }
  });
}

async function main() {
  patchConsole();
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || '');
  } catch (e) {
    const body = toErrorBody(e);
    console.error(`${body.errorType}: ${body.errorMessage}`);
    await request('POST', '/runtime/init/error', JSON.stringify(body), {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Function-Error-Type': body.errorType,
    });
    process.exit(1);
  }
  for (;;) {
    const next = await request('GET', '/runtime/invocation/next');
    if (next.status !== 200) {
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    const id = next.headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    const context = makeContext(next.headers);
    let outcome;
    try {
      const text = next.body.toString('utf8');
      outcome = await runHandler(handler, text ? JSON.parse(text) : {}, context);
    } catch (e) {
      outcome = { err: e };
    }
    if ('err' in outcome) {
      const body = toErrorBody(outcome.err);
      console.error(`Invoke Error \t${JSON.stringify(body)}`);
      await request('POST', `/runtime/invocation/${id}/error`, JSON.stringify(body), {
        'Content-Type': 'application/json',
        'Lambda-Runtime-Function-Error-Type': body.errorType,
      });
      continue;
    }
    let out;
    try {
      out = JSON.stringify(outcome.ok === undefined ? null : outcome.ok);
    } catch (e) {
      const body = { errorType: 'Runtime.MarshalError', errorMessage: `Unable to stringify response body: ${e.message}`, trace: [] };
      await request('POST', `/runtime/invocation/${id}/error`, JSON.stringify(body), { 'Content-Type': 'application/json' });
      continue;
    }
    await request('POST', `/runtime/invocation/${id}/response`, out, { 'Content-Type': 'application/json' });
  }
}

process.on('uncaughtException', (e) => {
  console.error(`Uncaught Exception \t${JSON.stringify(toErrorBody(e))}`);
  process.exit(129);
});
process.on('unhandledRejection', (e) => {
  console.error(`Unhandled Promise Rejection \t${JSON.stringify(toErrorBody(e))}`);
  process.exit(128);
});

main();
