/**
 * JavaScript evaluated inside each fresh QuickJS context before the user's hook. It owns everything the
 * hook sees besides the ECMAScript intrinsics: the seeded `Math.random`, the fixed clock, `log` and
 * `console`, building `ctx` from column buffers, and encoding the result back into buffers + JSON.
 * It runs in the VM, so it is written in plain ES2020 and touches no host object.
 */

/** File name under which the user's code is evaluated; stack frames in it carry the user's line numbers. */
export const hookFileName = 'hook.js'

/** File name of the prelude, so its frames are never mistaken for user lines. */
export const preludeFileName = 'butterfly-prelude.js'

/** Key marking an encoded value in the result JSON (the NUL keeps it apart from any sensible user key). */
export const encodedTag = '\u0000bf'

/**
 * Defines `globalThis.__butterfly` with `init(optionsJson)`, `setInput(metaJson, buffers)`, `call()`,
 * `settle()`, `encode(limit)`, `describeError(e)`, `logs()` and `definesHook()`. See hookSandbox.ts for
 * the order in which the host calls them.
 */
export const preludeSource = String.raw`
(function (global) {
  'use strict'
  var RealDate = Date
  // Captured before the user's code runs, which may replace the globals.
  var jsonParse = JSON.parse
  var jsonStringify = JSON.stringify
  var createObject = Object.create
  var TAG = '\u0000bf'
  var logs = []
  var logChars = 0
  var logLimit = 0
  var logTruncated = false
  var ctx = undefined
  var outcome = null

  function rotl(x, k) { return ((x << k) | (x >>> (32 - k))) >>> 0 }

  // xoshiro128**, the same generator as src/domain/random.ts, seeded with four words the host drew
  // from createRng(runSeed).fork(...): the hook's randomness is a pure function of the run seed.
  function makeRandom(state) {
    var a = state[0] | 0, b = state[1] | 0, c = state[2] | 0, d = state[3] | 0
    return function random() {
      var result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0
      var t = b << 9
      c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11)
      return result / 4294967296
    }
  }

  // A fixed clock: Date.now() and new Date() always give clockMs, so a rerun sees the same "now".
  function installClock(clockMs) {
    function FixedDate() {
      if (!new.target) return new RealDate(clockMs).toString()
      var args = arguments.length === 0 ? [clockMs] : Array.prototype.slice.call(arguments)
      return Reflect.construct(RealDate, args, new.target)
    }
    FixedDate.prototype = RealDate.prototype
    FixedDate.now = function now() { return clockMs }
    FixedDate.parse = RealDate.parse
    FixedDate.UTC = RealDate.UTC
    Object.defineProperty(RealDate.prototype, 'constructor', { value: FixedDate, writable: true, configurable: true })
    Object.defineProperty(global, 'Date', { value: FixedDate, writable: true, configurable: true })
  }

  function formatArg(value) {
    var type = typeof value
    if (type === 'string') return value
    if (value === null || type === 'undefined' || type === 'number' || type === 'boolean' || type === 'bigint' || type === 'symbol')
      return String(value)
    if (type === 'function') return '[function ' + (value.name || 'anonymous') + ']'
    if (value instanceof Error) return value.name + ': ' + value.message
    try {
      var text = jsonStringify(value, function (key, v) {
        return typeof v === 'bigint' || (typeof v === 'number' && !isFinite(v)) ? String(v) : v
      })
      return text === undefined ? String(value) : text
    } catch (error) {
      return Object.prototype.toString.call(value)
    }
  }

  function writeLog(level, args) {
    if (logTruncated) return
    var parts = []
    for (var i = 0; i < args.length; i++) parts.push(formatArg(args[i]))
    var message = parts.join(' ')
    if (logChars + message.length > logLimit) {
      // Keep what fits, then drop everything after: a chatty loop must not fail the run.
      message = message.slice(0, Math.max(0, logLimit - logChars))
      logTruncated = true
    }
    logChars += message.length
    logs.push([level, message])
  }

  function log() { writeLog('info', arguments) }

  function defineValue(target, key, value) {
    // defineProperty, not assignment: a column named "__proto__" must stay a plain property.
    Object.defineProperty(target, key, { value: value, enumerable: true, writable: true, configurable: true })
  }

  // Plain loops into [] on purpose: in QuickJS, Array.from(typedArray) is ~7x slower, new Array(n) ~3x.
  function buildVector(meta, buffers) {
    var out = []
    var i
    if (meta.t === 'num') {
      var values = new Float64Array(buffers[meta.b])
      for (i = 0; i < values.length; i++) out[i] = values[i]
      return out
    }
    var codes = new Int32Array(buffers[meta.b])
    var levels = meta.l
    for (i = 0; i < codes.length; i++) {
      var code = codes[i]
      out[i] = code < 0 ? null : levels[code]
    }
    return out
  }

  // Columns are built on first read: most hooks touch a few columns, and building one costs ~10 ms
  // per 100k rows. Assigning replaces the column like a plain property would.
  function lazyColumn(data, meta, buffers) {
    var built
    Object.defineProperty(data, meta.name, {
      get: function () {
        if (built === undefined) built = buildVector(meta, buffers)
        return built
      },
      set: function (value) { defineValue(data, meta.name, value) },
      enumerable: true,
      configurable: true,
    })
  }

  function buildTable(meta, buffers) {
    var data = {}
    for (var i = 0; i < meta.length; i++) lazyColumn(data, meta[i], buffers)
    return data
  }

  function encodeResult(value, limit) {
    var buffers = []
    var bytes = 0

    function push(typed) {
      bytes += typed.byteLength
      if (bytes > limit) throw { butterflyOutputSize: bytes }
      buffers.push(typed.buffer)
      return buffers.length - 1
    }

    // Homogeneous arrays travel as one buffer each, checked and copied in one pass; an array that turns
    // out mixed stays JSON for the host to reject with a precise message.
    function encodeArray(array) {
      var n = array.length
      var i = 0
      var v
      var out = {}
      while (i < n && array[i] === null) i++
      if (i === n) return undefined
      var type = typeof array[i]
      if (type === 'number') {
        if (bytes + n * 8 > limit) throw { butterflyOutputSize: bytes + n * 8 }
        var f64 = new Float64Array(n)
        for (i = 0; i < n; i++) {
          v = array[i]
          if (typeof v === 'number') f64[i] = v
          else if (v === null) f64[i] = NaN
          else return undefined
        }
        out[TAG] = 'f64'; out.i = push(f64)
        return out
      }
      if (type === 'string') {
        // A null-prototype object as the dictionary: QuickJS looks up atoms ~4x faster than Map keys.
        var index = createObject(null)
        var levels = []
        var codes = new Int32Array(n)
        for (i = 0; i < n; i++) {
          v = array[i]
          if (v === null) { codes[i] = -1; continue }
          if (typeof v !== 'string') return undefined
          var code = index[v]
          if (code === undefined) {
            code = levels.length
            index[v] = code
            levels.push(v)
            bytes += v.length
          }
          codes[i] = code
        }
        // levels as a JSON string: an array here would be fed to this replacer again, forever.
        out[TAG] = 'str'; out.i = push(codes); out.levels = jsonStringify(levels)
        return out
      }
      if (type === 'boolean') {
        var u8 = new Uint8Array(n)
        for (i = 0; i < n; i++) {
          v = array[i]
          if (typeof v !== 'boolean') return undefined
          u8[i] = v ? 1 : 0
        }
        out[TAG] = 'bool'; out.i = push(u8)
        return out
      }
      return undefined
    }

    var json = jsonStringify({ v: value }, function (key, v) {
      if (typeof v === 'number') {
        if (isFinite(v)) return v
        var special = {}
        special[TAG] = 'num'; special.v = String(v)
        return special
      }
      if (typeof v === 'bigint') return Number(v)
      if (v !== null && typeof v === 'object') {
        if (Array.isArray(v)) {
          var encoded = encodeArray(v)
          if (encoded !== undefined) return encoded
        } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
          var encodedView = encodeArray(Array.from(v, Number))
          if (encodedView !== undefined) return encodedView
        }
      }
      return v
    })
    bytes += json.length
    if (bytes > limit) throw { butterflyOutputSize: bytes }
    return { json: json, buffers: buffers, bytes: bytes }
  }

  Object.defineProperty(global, 'log', { value: log, writable: true, configurable: true })
  Object.defineProperty(global, 'console', {
    value: {
      log: log,
      info: log,
      debug: function debug() { writeLog('debug', arguments) },
      warn: function warn() { writeLog('warn', arguments) },
      error: function error() { writeLog('error', arguments) },
    },
    writable: true,
    configurable: true,
  })

  Object.defineProperty(global, '__butterfly', {
    value: Object.freeze({
      init: function (optionsJson) {
        var options = jsonParse(optionsJson)
        Math.random = makeRandom(options.prng)
        installClock(options.clockMs)
        logLimit = options.logChars
      },
      setInput: function (metaJson, buffers) {
        var meta = jsonParse(metaJson)
        ctx = {
          data: buildTable(meta.columns, buffers),
          rowCount: meta.rowCount,
          config: meta.config,
          metrics: meta.metrics,
          hookMetrics: meta.hookMetrics,
          seed: meta.seed,
          stage: meta.stage,
          kind: meta.kind,
          task: meta.task,
          log: log,
        }
        if (meta.target) ctx.target = buildVector(meta.target, buffers)
        if (meta.predictions) ctx.predictions = buildVector(meta.predictions, buffers)
        if (meta.evalColumns) {
          ctx.evalData = buildTable(meta.evalColumns, buffers)
          ctx.evalRowCount = meta.evalRowCount
        }
        if (meta.evalTarget) ctx.evalTarget = buildVector(meta.evalTarget, buffers)
      },
      definesHook: function () { return typeof hook === 'function' },
      call: function () {
        outcome = null
        var result = hook(ctx)
        if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
          result.then(function (v) { outcome = { v: v } }, function (e) { outcome = { e: e } })
          return 'pending'
        }
        outcome = { v: result }
        return 'done'
      },
      settle: function () {
        if (outcome === null) return 'pending'
        if ('e' in outcome) throw outcome.e
        return 'done'
      },
      encode: function (limit) { return encodeResult(outcome.v, limit) },
      describeError: function (error) {
        if (error !== null && typeof error === 'object' && typeof error.butterflyOutputSize === 'number')
          return jsonStringify({ outputSize: error.butterflyOutputSize })
        var isError = error instanceof Error
        var message = isError ? String(error.message) : formatArg(error)
        return jsonStringify({
          name: isError ? String(error.name) : 'Uncaught',
          message: message.length > 2000 ? message.slice(0, 2000) + '…' : message,
          stack: isError && typeof error.stack === 'string' ? error.stack.slice(0, 4000) : '',
          lineNumber: isError && typeof error.lineNumber === 'number' ? error.lineNumber : null,
          columnNumber: isError && typeof error.columnNumber === 'number' ? error.columnNumber : null,
        })
      },
      logs: function () { return jsonStringify({ logs: logs, truncated: logTruncated }) },
    }),
  })
})(globalThis)
`
