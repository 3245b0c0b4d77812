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
 * Evaluates to the prelude's API object, `init(optionsJson)`, `setInput(metaJson, buffers)`, `call()`,
 * `settle()`, `reportUnhandled()`, `encode(limit)`, `describeError(e)`, `logs()` and `definesHook()`: the completion value
 * of the script, which the host keeps as a handle. Nothing is put on `globalThis`, so user code can
 * neither see nor replace it. Every intrinsic the API uses is captured before the user's code runs and
 * called through `Reflect.apply`, so a hook that replaces `Array.prototype.push`, `JSON.stringify`, a
 * typed array's `buffer` getter or `Function.prototype.call` breaks only its own code, never the way its
 * result or its error travels back. See hookSandbox.ts for the order in which the host calls them.
 */
export const preludeSource = String.raw`
(function (global) {
  'use strict'
  // Captured before the user's code runs, which may replace any global or prototype method.
  var RealDate = Date
  var apply = Reflect.apply
  var construct = Reflect.construct
  var jsonParse = JSON.parse
  var jsonStringify = JSON.stringify
  var createObject = Object.create
  var defineProperty = Object.defineProperty
  var getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor
  var getPrototypeOf = Object.getPrototypeOf
  var ownKeys = Reflect.ownKeys
  var freeze = Object.freeze
  var isArray = Array.isArray
  var isView = ArrayBuffer.isView
  var F64 = Float64Array
  var I32 = Int32Array
  var U8 = Uint8Array
  var ErrorProto = Error.prototype
  var toStringTag = Object.prototype.toString
  var numberOf = Number
  var stringOf = String
  var finite = isFinite
  var arraySlice = Array.prototype.slice
  var stringSlice = String.prototype.slice
  var arrayJoin = Array.prototype.join
  var TypedArrayProto = getPrototypeOf(Int8Array.prototype)
  var typedLength = getOwnPropertyDescriptor(TypedArrayProto, 'length').get
  var typedBuffer = getOwnPropertyDescriptor(TypedArrayProto, 'buffer').get
  var typedByteLength = getOwnPropertyDescriptor(TypedArrayProto, 'byteLength').get
  var TAG = '\u0000bf'
  var logs = []
  var logChars = 0
  var logLimit = 0
  var logTruncated = false
  var ctx = undefined
  var outcome = null

  // Append without Array.prototype.push and without assignment (an index setter on Array.prototype
  // would see it): defineProperty makes an own element whatever the prototype holds.
  function append(array, value) {
    var index = array.length
    defineProperty(array, index, { value: value, writable: true, enumerable: true, configurable: true })
    return index
  }

  // A record for the host: no prototype, so no setter or toJSON the user put on Object.prototype
  // touches it.
  function record() { return createObject(null) }

  // JSON for the host from a flat record of primitives (a null-prototype copy, so no toJSON runs).
  function hostJson(fields) {
    var copy = record()
    var keys = ownKeys(fields)
    for (var i = 0; i < keys.length; i++) copy[keys[i]] = fields[keys[i]]
    return jsonStringify(copy)
  }

  // What a thrown non-Error value is, for the message, without running any of its code: primitives as
  // themselves, objects by their data properties (getters are named, not called).
  function describeThrown(value) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return formatArg(value)
    var keys = ownKeys(value)
    var parts = ''
    for (var i = 0; i < keys.length && i < 8; i++) {
      var key = keys[i]
      if (typeof key !== 'string') continue
      var descriptor = getOwnPropertyDescriptor(value, key)
      var shown = descriptor === undefined ? 'undefined'
        : !('value' in descriptor) ? '[getter]'
        : typeof descriptor.value === 'string' ? jsonStringify(descriptor.value)
        : descriptor.value !== null && (typeof descriptor.value === 'object' || typeof descriptor.value === 'function') ? '[' + typeof descriptor.value + ']'
        : formatArg(descriptor.value)
      parts += (parts === '' ? '' : ', ') + jsonStringify(key) + ': ' + shown
    }
    if (keys.length > 8) parts += ', …'
    return typeof value === 'function' ? '[function]' : isArray(value) ? 'an array' + (parts === '' ? '' : ' { ' + parts + ' }') : '{ ' + parts + ' }'
  }

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
      var args = arguments.length === 0 ? [clockMs] : apply(arraySlice, arguments, [])
      return construct(RealDate, args, new.target)
    }
    FixedDate.prototype = RealDate.prototype
    FixedDate.now = function now() { return clockMs }
    FixedDate.parse = RealDate.parse
    FixedDate.UTC = RealDate.UTC
    defineProperty(RealDate.prototype, 'constructor', { value: FixedDate, writable: true, configurable: true })
    defineProperty(global, 'Date', { value: FixedDate, writable: true, configurable: true })
  }

  // What a value is, for log lines and error messages, without ever running user code: no getter,
  // toString or toJSON is called (a hook's thrown object may loop in all of them).
  function formatArg(value) {
    var type = typeof value
    if (type === 'string') return value
    if (value === null || type === 'undefined' || type === 'number' || type === 'boolean') return stringOf(value)
    if (type === 'bigint') return stringOf(value) + 'n'
    if (type === 'symbol') return 'Symbol()'
    if (type === 'function') return '[function ' + dataString(value, 'name', 'anonymous') + ']'
    if (isErrorObject(value)) return dataString(value, 'name', 'Error') + ': ' + dataString(value, 'message', '')
    try {
      var text = jsonStringify(value, function (key, v) {
        return typeof v === 'bigint' || (typeof v === 'number' && !finite(v)) ? stringOf(v) : v
      })
      return text === undefined ? apply(toStringTag, value, []) : text
    } catch (error) {
      return apply(toStringTag, value, [])
    }
  }

  // A string-valued data property found along the prototype chain; getters are not run.
  function dataString(object, key, fallback) {
    var current = object
    for (var depth = 0; current !== null && depth < 32; depth++) {
      var descriptor = getOwnPropertyDescriptor(current, key)
      if (descriptor !== undefined) {
        if ('value' in descriptor && typeof descriptor.value === 'string') return descriptor.value
        return fallback
      }
      current = getPrototypeOf(current)
    }
    return fallback
  }

  function isErrorObject(value) {
    var current = value
    for (var depth = 0; current !== null && depth < 32; depth++) {
      current = getPrototypeOf(current)
      if (current === ErrorProto) return true
    }
    return false
  }

  function writeLog(level, args) {
    if (logTruncated) return
    var parts = []
    for (var i = 0; i < args.length; i++) append(parts, formatArg(args[i]))
    var message = apply(arrayJoin, parts, [' '])
    if (logChars + message.length > logLimit) {
      // Keep what fits, then drop everything after: a chatty loop must not fail the run.
      message = apply(stringSlice, message, [0, logChars < logLimit ? logLimit - logChars : 0])
      logTruncated = true
    }
    logChars += message.length
    append(logs, [level, message])
  }

  function log() { writeLog('info', arguments) }

  function defineValue(target, key, value) {
    // defineProperty, not assignment: a column named "__proto__" must stay a plain property.
    defineProperty(target, key, { value: value, enumerable: true, writable: true, configurable: true })
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
    defineProperty(data, meta.name, {
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
      bytes += apply(typedByteLength, typed, [])
      if (bytes > limit) throw outputSize(bytes)
      return append(buffers, apply(typedBuffer, typed, []))
    }

    // Homogeneous arrays travel as one buffer each, checked and copied in one pass; an array that turns
    // out mixed stays JSON for the host to reject with a precise message.
    function encodeArray(array, n) {
      var i = 0
      var v
      var out = record()
      while (i < n && array[i] === null) i++
      if (i === n) return undefined
      var type = typeof array[i]
      if (type === 'number' || type === 'bigint') {
        // BigInts become numbers, as a lone BigInt does below (exact up to 2^53).
        if (bytes + n * 8 > limit) throw outputSize(bytes + n * 8)
        var f64 = new F64(n)
        for (i = 0; i < n; i++) {
          v = array[i]
          if (typeof v === 'number') f64[i] = v
          else if (typeof v === 'bigint') f64[i] = numberOf(v)
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
        var codes = new I32(n)
        for (i = 0; i < n; i++) {
          v = array[i]
          if (v === null) { codes[i] = -1; continue }
          if (typeof v !== 'string') return undefined
          var code = index[v]
          if (code === undefined) {
            code = levels.length
            index[v] = code
            append(levels, v)
            bytes += v.length
          }
          codes[i] = code
        }
        // levels as a JSON string: an array here would be fed to this replacer again, forever. Written
        // by hand, as JSON.stringify of an array would call a toJSON put on Array.prototype.
        var levelsJson = '['
        for (i = 0; i < levels.length; i++) levelsJson += (i === 0 ? '' : ',') + jsonStringify(levels[i])
        out[TAG] = 'str'; out.i = push(codes); out.levels = levelsJson + ']'
        return out
      }
      if (type === 'boolean') {
        var u8 = new U8(n)
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

    var root = record()
    root.v = value
    var json = jsonStringify(root, function (key, v) {
      // JSON.stringify hands the replacer what toJSON returned: an Array.prototype.toJSON must not turn
      // the hook's columns into something else, so arrays are read from the holder itself.
      var raw = this[key]
      if (raw !== v && raw !== null && typeof raw === 'object' && (isArray(raw) || isView(raw))) v = raw
      if (typeof v === 'number') {
        if (finite(v)) return v
        var special = record()
        special[TAG] = 'num'; special.v = stringOf(v)
        return special
      }
      if (typeof v === 'bigint') return numberOf(v)
      if (v !== null && typeof v === 'object') {
        if (getPrototypeOf(v) !== null && getOwnPropertyDescriptor(v, TAG) !== undefined)
          throw reservedKey()
        if (isArray(v)) {
          var encoded = encodeArray(v, v.length)
          if (encoded !== undefined) return encoded
        } else if (isView(v) && apply(toStringTag, v, []) !== '[object DataView]') {
          var encodedView = encodeArray(v, apply(typedLength, v, []))
          if (encodedView !== undefined) return encodedView
        }
      }
      return v
    })
    bytes += json.length
    if (bytes > limit) throw outputSize(bytes)
    return { json: json, buffers: buffers, bytes: bytes }
  }

  function reservedKey() {
    var error = record()
    error.butterflyReservedKey = true
    return error
  }

  function outputSize(bytes) {
    var error = record()
    error.butterflyOutputSize = bytes
    return error
  }

  // Unhandled rejections: QuickJS has no rejection tracker the host can reach, so the global Promise
  // is a subclass that records each promise it makes (Promise.reject, new Promise, and every promise
  // derived from one by then/catch/finally, which species makes a subclass too) and whether anything
  // ever subscribed to it. Its constructor is not the intrinsic one, so even 'await p' subscribes
  // through p.then. Promises made by async functions themselves stay the intrinsic kind and are not seen.
  var RealPromise = Promise
  var promiseThen = RealPromise.prototype.then
  var tracked = []
  function TrackedPromise(executor) {
    if (!new.target) throw new TypeError('Promise constructor cannot be invoked without new')
    var entry = { rejected: false, reason: undefined, handled: false }
    function reject(rejectReal, reason) {
      if (!entry.rejected) { entry.rejected = true; entry.reason = reason }
      rejectReal(reason)
    }
    var promise = construct(RealPromise, [function (resolve, rejectReal) {
      try {
        apply(executor, undefined, [resolve, function (reason) { reject(rejectReal, reason) }])
      } catch (error) {
        reject(rejectReal, error)
      }
    }], new.target)
    defineProperty(promise, TAG, { value: entry })
    append(tracked, entry)
    return promise
  }
  TrackedPromise.prototype = createObject(RealPromise.prototype, {
    constructor: { value: TrackedPromise, writable: true, configurable: true },
    then: {
      value: function then(onFulfilled, onRejected) {
        var entry = getOwnPropertyDescriptor(this, TAG)
        if (entry !== undefined) entry.value.handled = true
        return apply(promiseThen, this, [onFulfilled, onRejected])
      },
      writable: true,
      configurable: true,
    },
  })
  // Statics (resolve, reject, all, …) and Symbol.species come from Promise and build TrackedPromises.
  Reflect.setPrototypeOf(TrackedPromise, RealPromise)
  defineProperty(global, 'Promise', { value: TrackedPromise, writable: true, configurable: true })

  // One error line in the log per rejection nothing subscribed to, once the hook is done.
  function reportUnhandled() {
    for (var i = 0; i < tracked.length; i++) {
      var entry = tracked[i]
      if (!entry.rejected || entry.handled) continue
      var reason = entry.reason
      var text = reason !== null && typeof reason === 'object' && isErrorObject(reason)
        ? dataString(reason, 'name', 'Error') + ': ' + dataString(reason, 'message', '')
        : describeThrown(reason)
      writeLog('error', ['unhandled promise rejection: ' + text])
    }
    tracked = []
  }

  defineProperty(global, 'log', { value: log, writable: true, configurable: true })
  defineProperty(global, 'console', {
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

  return freeze({
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
        // A thenable's own then (a real Promise's is the captured one) reports how it settles.
        apply(result.then, result, [function (v) { outcome = { v: v } }, function (e) { outcome = { e: e } }])
        return 'pending'
      }
      outcome = { v: result }
      return 'done'
    },
    settle: function () {
      if (outcome === null) return 'pending'
      if ('e' in outcome) return 'rejected'
      return 'done'
    },
    rejection: function () { return outcome.e },
    reportUnhandled: reportUnhandled,
    encode: function (limit) { return encodeResult(outcome.v, limit) },
    describeError: function (error) {
      if (error !== null && typeof error === 'object' && getPrototypeOf(error) === null) {
        var size = getOwnPropertyDescriptor(error, 'butterflyOutputSize')
        if (size !== undefined && typeof size.value === 'number') return hostJson({ outputSize: size.value })
        if (getOwnPropertyDescriptor(error, 'butterflyReservedKey') !== undefined) return hostJson({ reservedKey: true })
      }
      var isError = error !== null && typeof error === 'object' && isErrorObject(error)
      var message = isError ? dataString(error, 'message', '') : describeThrown(error)
      var stack = isError ? dataString(error, 'stack', '') : ''
      var line = isError ? getOwnPropertyDescriptor(error, 'lineNumber') : undefined
      var column = isError ? getOwnPropertyDescriptor(error, 'columnNumber') : undefined
      return hostJson({
        name: isError ? dataString(error, 'name', 'Error') : '',
        message: message.length > 2000 ? apply(stringSlice, message, [0, 2000]) + '…' : message,
        stack: apply(stringSlice, stack, [0, 4000]),
        lineNumber: line && typeof line.value === 'number' ? line.value : null,
        columnNumber: column && typeof column.value === 'number' ? column.value : null,
      })
    },
    // Written by hand: JSON.stringify of an array would call a toJSON the hook put on Array.prototype.
    logs: function () {
      var text = '{"truncated":' + (logTruncated ? 'true' : 'false') + ',"logs":['
      for (var i = 0; i < logs.length; i++)
        text += (i === 0 ? '[' : ',[') + jsonStringify(logs[i][0]) + ',' + jsonStringify(logs[i][1]) + ']'
      return text + ']}'
    },
  })
})(globalThis)
`
