/*
 * The line kernel: the byte work of the session readers, compiled to
 * WebAssembly with 128-bit SIMD (`build.ts` in this folder; the module is
 * embedded in `../line_kernel_wasm.ts`, loaded by `../line_kernel.ts`).
 *
 * Why WebAssembly: looking at every byte costs about 1 ns in JavaScript (a
 * bounds-checked load, a compare and a branch per byte; `Uint8Array.indexOf`
 * is no faster here), while reading a file from the page cache costs about
 * 0.13 ns per byte. Sixteen bytes per instruction close most of that gap.
 *
 * Two jobs:
 *
 * 1. `scan_lines`: split a buffer into lines and classify each as the
 *    summary's JavaScript scanner (`line_scan.ts`) would, with the same
 *    answer or "unsure". A line is VALID only when this scanner is sure it is
 *    a JSON object (`JSON.parse` would accept it, with bare NaN/Infinity as
 *    the lenient reader allows) and has extracted exactly the fields the
 *    JavaScript scanner extracts. Anything unusual (an escape in a captured
 *    string, a non-string kind or gate name, a repeated payload, deep
 *    nesting, bad UTF-8, a line that does not start with `{`) is UNSURE and
 *    the caller reads that line the JavaScript way. The string fields of a
 *    valid line are interned (small ids), and the tuple of them is interned
 *    as the line's class, so the caller counts classes, not strings.
 *
 * 2. `find_needle`: every position of a byte string in a buffer (the
 *    timeline's pre-filter for rare kinds and symbols).
 *
 * State is module-global: one call at a time per instance (JavaScript is
 * single-threaded per isolate; a worker has its own instance).
 */
#include <stdint.h>
#include <wasm_simd128.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef int32_t i32;
typedef uint64_t u64;

#define EXPORT(name) __attribute__((export_name(#name)))

/* Bytes past the end of the data that may be read (never used): loads are 16 bytes wide. */
#define READ_PADDING 64

/* ------------------------------------------------------------------------------------------ */
/* Interned strings: ids 1.. (0 is "none"); bytes kept in an arena.                           */

#define MAX_STRINGS 4096
#define STRING_SLOTS 8192 /* open addressing, power of two, at most half full */
#define ARENA_BYTES (192 * 1024)
/* Longer captured strings are left to the JavaScript scanner. */
#define MAX_INTERN_BYTES 256

static u32 str_off[MAX_STRINGS];
static u32 str_len[MAX_STRINGS];
static u16 str_slots[STRING_SLOTS];
static u8 arena[ARENA_BYTES + READ_PADDING];
static u32 arena_used;
static u32 str_count; /* ids in use are 1 .. str_count */

/* Ids interned first by every reset, in this order (the JavaScript side relies on them). */
#define ID_UNKNOWN 1
#define ID_GATE 2
#define ID_ERROR 3
#define ID_FILL 4
#define ID_INTENT 5

/* ------------------------------------------------------------------------------------------ */
/* Interned classes: the string fields of a valid line, ids 1..                               */

#define CLASS_FIELDS 8 /* kind, mode, symbol, gate name, passed, decision, code, side */
#define MAX_CLASSES 4096
#define CLASS_SLOTS 8192

static u16 class_fields[MAX_CLASSES][CLASS_FIELDS];
static u16 class_slots[CLASS_SLOTS];
static u32 class_count;

/* ------------------------------------------------------------------------------------------ */
/* Records of the lines of the last `scan_lines` call.                                        */

#define RECORD_CAP 4096
/* Per line: verdict (class id > 0, or one of V_*), start, newline, flags, ts range,
 * notional range, fee range (ranges only when the flag asks JavaScript to read the text). */
#define REC_INTS 12
#define REC_FLOATS 3 /* ts (epoch µs), fill notional, fill fee; NaN when absent */
#define V_OVERSIZED (-1)
#define V_UNSURE (-2)
#define F_TS_TEXT 1       /* ts is a string the wire form does not cover: parse its text */
#define F_NOTIONAL_TEXT 2 /* fill_notional needs Number(text) */
#define F_FEE_TEXT 4      /* fill_fee needs Number(text) */

static i32 rec_ints[RECORD_CAP * REC_INTS];
static double rec_floats[RECORD_CAP * REC_FLOATS];
static u32 next_offset;

/* The needle of `find_needle` and the positions it finds. */
#define NEEDLE_CAP 256
#define MATCH_CAP 4096
static u8 needle_bytes[NEEDLE_CAP + READ_PADDING];
static u32 match_positions[MATCH_CAP];

/* ------------------------------------------------------------------------------------------ */
/* Small helpers.                                                                              */

static inline u64 load64(const u8* p) {
  u64 v;
  __builtin_memcpy(&v, p, 8);
  return v;
}

static inline u32 ctz32(u32 x) { return (u32)__builtin_ctz(x); }

/* Four or eight characters as the little-endian word they make in memory. */
#define W4(a, b, c, d) ((u32)(a) | ((u32)(b) << 8) | ((u32)(c) << 16) | ((u32)(d) << 24))
#define W8(a, b, c, d, e, f, g, h) \
  ((u64)W4(a, b, c, d) | ((u64)W4(e, f, g, h) << 32))


static int bytes_equal(const u8* a, const u8* b, u32 n) {
  u32 i = 0;
  for (; i + 8 <= n; i += 8) {
    if (load64(a + i) != load64(b + i)) return 0;
  }
  for (; i < n; i++) {
    if (a[i] != b[i]) return 0;
  }
  return 1;
}

static u32 hash_bytes(const u8* p, u32 n) {
  u64 h = 0x9e3779b97f4a7c15ull ^ n;
  u32 i = 0;
  for (; i + 8 <= n; i += 8) {
    h = (h ^ load64(p + i)) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  if (i < n) {
    /* Reads up to 7 bytes past the string: inside the line or the padding, never used. */
    u64 w = load64(p + i) & ((1ull << ((n - i) * 8)) - 1);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  h *= 0xc4ceb9fe1a85ec53ull;
  return (u32)(h >> 32);
}

/* The id of the bytes [p, p + n), interned now if new; 0 when the table is full. */
static u32 intern(const u8* p, u32 n) {
  if (n > MAX_INTERN_BYTES) return 0;
  u32 h = hash_bytes(p, n);
  u32 slot = h & (STRING_SLOTS - 1);
  for (;;) {
    u32 id = str_slots[slot];
    if (id == 0) break;
    if (str_len[id - 1] == n && bytes_equal(arena + str_off[id - 1], p, n)) return id;
    slot = (slot + 1) & (STRING_SLOTS - 1);
  }
  if (str_count + 1 >= MAX_STRINGS || arena_used + n > ARENA_BYTES) return 0;
  u32 id = ++str_count;
  str_off[id - 1] = arena_used;
  str_len[id - 1] = n;
  __builtin_memcpy(arena + arena_used, p, n);
  arena_used += n;
  str_slots[slot] = (u16)id;
  return id;
}

static u32 intern_text(const char* text) {
  u32 n = 0;
  while (text[n] != 0) n++;
  return intern((const u8*)text, n);
}

/* The id of a class (its fields), interned now if new; 0 when the table is full. */
static u32 intern_class(const u16* fields) {
  u64 a = load64((const u8*)fields);
  u64 b = load64((const u8*)fields + 8);
  u64 h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full);
  h ^= h >> 29;
  h *= 0xff51afd7ed558ccdull;
  u32 slot = (u32)(h >> 40) & (CLASS_SLOTS - 1);
  for (;;) {
    u32 id = class_slots[slot];
    if (id == 0) break;
    const u8* known = (const u8*)class_fields[id - 1];
    if (load64(known) == a && load64(known + 8) == b) return id;
    slot = (slot + 1) & (CLASS_SLOTS - 1);
  }
  if (class_count + 1 >= MAX_CLASSES) return 0;
  u32 id = ++class_count;
  for (u32 f = 0; f < CLASS_FIELDS; f++) class_fields[id - 1][f] = fields[f];
  class_slots[slot] = (u16)id;
  return id;
}

/* A small cache per captured field in front of `intern`: a session repeats a handful of
 * kinds, modes, symbols, gate names, codes and sides, and hashing every one costs more than
 * comparing its first eight bytes with the last value seen in the same slot. */
#define CACHE_FIELDS 8
#define CACHE_SLOTS 16
typedef struct {
  u64 head;
  u32 len;
  u32 id;
} CacheEntry;
static CacheEntry field_cache[CACHE_FIELDS][CACHE_SLOTS];

static inline u32 intern_cached(u32 field, const u8* p, u32 n) {
  /* Reads up to 8 bytes from p: within the line or the padding after it. */
  u64 head = n >= 8 ? load64(p) : (load64(p) & ((1ull << (n * 8)) - 1));
  u32 slot = (u32)(((head ^ n) * 0x9e3779b97f4a7c15ull) >> 60);
  CacheEntry* c = &field_cache[field][slot];
  if (c->id != 0 && c->len == n && c->head == head &&
      (n <= 8 || bytes_equal(arena + str_off[c->id - 1] + 8, p + 8, n - 8))) {
    return c->id;
  }
  u32 id = intern(p, n);
  if (id != 0) {
    c->head = head;
    c->len = n;
    c->id = id;
  }
  return id;
}

/* ------------------------------------------------------------------------------------------ */
/* The scanner of one line (mirrors `scanEventLine` in `line_scan.ts`).                        */

#define MAX_DEPTH 32

enum {
  C_NONE,
  C_TS,
  C_SYMBOL,
  C_KIND,
  C_PAYLOAD,
  C_GATE_NAME,
  C_GATE,
  C_PASSED,
  C_DECISION,
  C_FILL_NOTIONAL,
  C_FILL_FEE,
  C_MODE,
  C_CODE,
  C_SIDE
};
enum { T_NONE, T_TOP, T_PAYLOAD };

static const u8* buf;
static u32 pos;
static u32 end;
static u32 str_start, str_end;
static int str_escaped, str_non_ascii;

/* The fields of the current line. */
static u16 f_kind, f_mode, f_symbol, f_gate, f_passed, f_decision, f_code, f_side;
static int gate_name_set, payload_seen;
static double v_ts, v_notional, v_fee;
static u32 flags;
static u32 ts_a, ts_b, notional_a, notional_b, fee_a, fee_b;

static inline void skip_ws(void) {
  const u8* b = buf;
  u32 p = pos;
  while (p < end) {
    u8 c = b[p];
    if (c != 0x20 && c != 0x09 && c != 0x0d && c != 0x0a) break;
    p++;
  }
  pos = p;
}

static inline int is_hex(u8 c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the well-formed UTF-8 sequence at p (as a fatal TextDecoder accepts), or 0. */
static u32 utf8_sequence(const u8* b, u32 p, u32 e) {
  u8 c = b[p];
  if (c < 0xc2) return 0;
  if (c < 0xe0) {
    if (p + 1 >= e || (b[p + 1] & 0xc0) != 0x80) return 0;
    return 2;
  }
  if (c < 0xf0) {
    if (p + 2 >= e) return 0;
    u8 lo = c == 0xe0 ? 0xa0 : 0x80;
    u8 hi = c == 0xed ? 0x9f : 0xbf;
    if (b[p + 1] < lo || b[p + 1] > hi || (b[p + 2] & 0xc0) != 0x80) return 0;
    return 3;
  }
  if (c < 0xf5) {
    if (p + 3 >= e) return 0;
    u8 lo = c == 0xf0 ? 0x90 : 0x80;
    u8 hi = c == 0xf4 ? 0x8f : 0xbf;
    if (b[p + 1] < lo || b[p + 1] > hi || (b[p + 2] & 0xc0) != 0x80 ||
        (b[p + 3] & 0xc0) != 0x80) {
      return 0;
    }
    return 4;
  }
  return 0;
}

/* A string at pos (on its opening quote). 0: not a valid JSON string within the line. */
static int scan_string(void) {
  const u8* b = buf;
  const u32 e = end;
  u32 p = pos + 1;
  str_start = p;
  str_escaped = 0;
  str_non_ascii = 0;
  const v128_t quote = wasm_i8x16_splat('"');
  const v128_t backslash = wasm_i8x16_splat('\\');
  const v128_t space = wasm_i8x16_splat(0x20);
  for (;;) {
    /* Sixteen bytes at a time: the first quote, backslash, control or non-ASCII byte. The
     * byte at `end` is the line's CR or LF (a control byte), so the loop stops there. */
    v128_t v = wasm_v128_load(b + p);
    v128_t special = wasm_v128_or(
        wasm_v128_or(wasm_i8x16_eq(v, quote), wasm_i8x16_eq(v, backslash)),
        wasm_v128_or(wasm_u8x16_lt(v, space), wasm_i8x16_lt(v, wasm_i8x16_splat(0))));
    u32 bits = (u32)wasm_i8x16_bitmask(special);
    if (bits == 0) {
      p += 16;
      continue;
    }
    p += ctz32(bits);
    if (p >= e) return 0;
    u8 c = b[p];
    if (c == '"') {
      str_end = p;
      pos = p + 1;
      return 1;
    }
    if (c == '\\') {
      str_escaped = 1;
      u8 x = b[p + 1];
      if (x == 'u') {
        if (p + 5 >= e || !is_hex(b[p + 2]) || !is_hex(b[p + 3]) || !is_hex(b[p + 4]) ||
            !is_hex(b[p + 5])) {
          return 0;
        }
        p += 6;
      } else {
        if (p + 1 >= e) return 0;
        if (x != '"' && x != '\\' && x != '/' && x != 'b' && x != 'f' && x != 'n' &&
            x != 'r' && x != 't') {
          return 0;
        }
        p += 2;
      }
      continue;
    }
    if (c >= 0x80) {
      u32 n = utf8_sequence(b, p, e);
      if (n == 0) return 0;
      str_non_ascii = 1;
      p += n;
      continue;
    }
    return 0; /* a control byte inside the string */
  }
}

static int match_literal(const char* text, u32 n) {
  if (pos + n > end) return 0;
  for (u32 i = 0; i < n; i++) {
    if (buf[pos + i] != (u8)text[i]) return 0;
  }
  pos += n;
  return 1;
}

static inline int is_digit(u8 c) { return c >= '0' && c <= '9'; }

/* A JSON number (or Infinity / -Infinity) at pos. */
static int scan_number(void) {
  const u8* b = buf;
  const u32 e = end;
  u32 start = pos;
  u32 p = pos;
  if (b[p] == '-') p++;
  if (b[p] == 'I') {
    pos = p;
    return match_literal("Infinity", 8);
  }
  if (b[p] == '0') {
    p++;
  } else if (p < e && is_digit(b[p])) {
    while (p < e && is_digit(b[p])) p++;
  } else {
    return 0;
  }
  if (p < e && b[p] == '.') {
    p++;
    if (!(p < e && is_digit(b[p]))) return 0;
    while (p < e && is_digit(b[p])) p++;
  }
  if (p < e && (b[p] == 'e' || b[p] == 'E')) {
    p++;
    if (p < e && (b[p] == '+' || b[p] == '-')) p++;
    if (!(p < e && is_digit(b[p]))) return 0;
    while (p < e && is_digit(b[p])) p++;
  }
  pos = p;
  return p > start;
}

static const double EXACT_POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The value of a validated number, or 0 with *text set when only Number(text) gets it right
 * (the same rule as `numberValue` in line_scan.ts: at most 15 significant digits and 22
 * decimals, computed as integer / 10^k, which IEEE division rounds as Number() does). */
static double number_value(u32 start, u32 stop, int* text) {
  const u8* b = buf;
  u32 p = start;
  int negative = b[p] == '-';
  if (negative) p++;
  double mantissa = 0;
  int digits = 0;
  int fraction = -1;
  for (; p < stop; p++) {
    u8 c = b[p];
    if (c == '.') {
      fraction = 0;
      continue;
    }
    if (c < '0' || c > '9') break;
    mantissa = mantissa * 10 + (c - '0');
    if (mantissa != 0) digits++;
    if (fraction >= 0) fraction++;
  }
  *text = 0;
  if (p == stop && digits <= 15 && fraction <= 22) {
    double value = fraction > 0 ? mantissa / EXACT_POW10[fraction] : mantissa;
    return negative ? -value : value;
  }
  *text = 1;
  return 0;
}

/* --- wire timestamps (mirrors `wireTsMicros` in line_scan.ts) --- */

static int floor_div(int a, int b) {
  int q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int days_from_civil(int year, int month, int day) {
  int y = month <= 2 ? year - 1 : year;
  int era = floor_div(y, 400);
  int yoe = y - era * 400;
  int mp = (month + 9) % 12;
  int doy = floor_div(153 * mp + 2, 5) + day - 1;
  int doe = yoe * 365 + floor_div(yoe, 4) - floor_div(yoe, 100) + doy;
  return era * 146097 + doe - 719468;
}

static const int MONTH_DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static double nan_value(void) { return __builtin_nan(""); }

/* The wire form `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, eight bytes at a time: XOR with the form
 * (a digit position holds '0') leaves each digit's value and zero elsewhere; adding 0x76 to a
 * digit position and 0x7f to any other sets a byte's top bit exactly when it is not a digit,
 * or not the expected character. */
#define TS_FORM(a, b, c, d, e, f, g, h) W8(a, b, c, d, e, f, g, h)
#define D 0x76
#define S 0x7f
static const u64 FORM[4] = {
    TS_FORM('0', '0', '0', '0', '-', '0', '0', '-'), TS_FORM('0', '0', 'T', '0', '0', ':', '0', '0'),
    TS_FORM(':', '0', '0', '.', '0', '0', '0', '0'), TS_FORM('0', '0', '+', '0', '0', ':', '0', '0')};
static const u64 ADD[4] = {TS_FORM(D, D, D, D, S, D, D, S), TS_FORM(D, D, S, D, D, S, D, D),
                           TS_FORM(S, D, D, S, D, D, D, D), TS_FORM(D, D, S, S, S, S, S, S)};
#undef D
#undef S
#define HIGH_BITS 0x8080808080808080ull

/* The date of the last wire timestamp (its XORed first ten bytes) and its day's µs. */
static u64 day_key_a = ~0ull;
static u64 day_key_b = ~0ull;
static double day_micros_cached;

static inline u32 byte_at(u64 w, u32 i) { return (u32)(w >> (8 * i)) & 0xff; }

/* Epoch µs of `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` at [start, stop), else NaN (the rules of
 * `wireTsMicros` in line_scan.ts, which computes the same doubles in the same order). */
static double wire_ts_micros(u32 start, u32 stop) {
  if (stop - start != 32) return nan_value();
  const u8* t = buf + start;
  u64 w0 = load64(t) ^ FORM[0];
  u64 w1 = load64(t + 8) ^ FORM[1];
  u64 w2 = load64(t + 16) ^ FORM[2];
  u64 w3 = load64(t + 24) ^ FORM[3];
  if ((((w0 + ADD[0]) | w0) | ((w1 + ADD[1]) | w1) | ((w2 + ADD[2]) | w2) |
       ((w3 + ADD[3]) | w3)) &
      HIGH_BITS) {
    return nan_value();
  }
  double day_micros;
  u64 key_b = w1 & 0xffff;
  if (w0 == day_key_a && key_b == day_key_b) {
    day_micros = day_micros_cached;
  } else {
    int year = (int)(byte_at(w0, 0) * 1000 + byte_at(w0, 1) * 100 + byte_at(w0, 2) * 10 +
                     byte_at(w0, 3));
    int month = (int)(byte_at(w0, 5) * 10 + byte_at(w0, 6));
    int day = (int)(byte_at(w1, 0) * 10 + byte_at(w1, 1));
    if (year < 1 || month < 1 || month > 12 || day < 1) return nan_value();
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max_day = month == 2 && leap ? 29 : MONTH_DAYS[month - 1];
    if (day > max_day) return nan_value();
    day_micros = (double)days_from_civil(year, month, day) * 86400000000.0;
    day_key_a = w0;
    day_key_b = key_b;
    day_micros_cached = day_micros;
  }
  int hour = (int)(byte_at(w1, 3) * 10 + byte_at(w1, 4));
  int minute = (int)(byte_at(w1, 6) * 10 + byte_at(w1, 7));
  int second = (int)(byte_at(w2, 1) * 10 + byte_at(w2, 2));
  int micros = (int)(byte_at(w2, 4) * 100000 + byte_at(w2, 5) * 10000 + byte_at(w2, 6) * 1000 +
                     byte_at(w2, 7) * 100 + byte_at(w3, 0) * 10 + byte_at(w3, 1));
  if (hour > 23 || minute > 59 || second > 59) return nan_value();
  /* The same double operations in the same order as the JavaScript: identical results. */
  double clock = (double)(((hour * 60 + minute) * 60 + second)) * 1000000.0;
  return day_micros + clock + (double)micros;
}

/* --- captures --- */

/* Whether the line has a byte over 0x7f. The JavaScript scanner leaves such a line to the
 * general decoder, whose fields differ in two ways: a code and a side are kept whatever the
 * kind, and a missing gate name is "" rather than null. The kernel reads such a line (valid
 * UTF-8 in its strings) with the decoder's rules, so either way the result is the same. */
static int decoder_rules;

static int kind_keeps_code(void) {
  return f_kind == ID_GATE || f_kind == ID_ERROR || f_kind == ID_UNKNOWN;
}

static int kind_keeps_side(void) { return f_kind == ID_FILL || f_kind == ID_UNKNOWN; }

/* Recording a template (see "Templates" below): while `recording`, every capture notes its
 * field (a field captured twice spoils the template) and value strings and numbers become
 * holes. */
enum {
  H_KIND,
  H_MODE,
  H_SYMBOL,
  H_GATE,
  H_PASSED,
  H_DECISION,
  H_CODE,
  H_SIDE,
  H_TS,
  H_NOTIONAL,
  H_FEE,
  H_FIELDS
};
static int recording;
static u8 field_hits[H_FIELDS];
static int stored; /* whether the last store_string changed its field */

static inline void hit(int field) {
  if (recording) field_hits[field]++;
}

static int hit_field(int capture) {
  switch (capture) {
    case C_KIND: return H_KIND;
    case C_MODE: return H_MODE;
    case C_SYMBOL: return H_SYMBOL;
    case C_GATE_NAME:
    case C_GATE: return H_GATE;
    case C_PASSED: return H_PASSED;
    case C_DECISION: return H_DECISION;
    case C_CODE: return H_CODE;
    case C_SIDE: return H_SIDE;
    case C_TS: return H_TS;
    case C_FILL_NOTIONAL: return H_NOTIONAL;
    case C_FILL_FEE: return H_FEE;
    default: return -1;
  }
}

/* The field cache of a captured string field. */
static inline u32 cache_field(int capture) {
  switch (capture) {
    case C_KIND: return 0;
    case C_MODE: return 1;
    case C_SYMBOL: return 2;
    case C_GATE_NAME:
    case C_GATE: return 3;
    case C_DECISION: return 4;
    case C_CODE: return 5;
    case C_SIDE: return 6;
    default: return 7;
  }
}

static int store_other(int capture);

/* Set the field of `capture` to the string [str_start, str_end), whatever came before (a
 * template's hole). 0: unsure. */
static int assign_string(int capture) {
  u32 a = str_start;
  if (capture == C_TS) {
    if (str_non_ascii) return 0;
    v_ts = wire_ts_micros(a, str_end);
    if (v_ts != v_ts) {
      flags |= F_TS_TEXT;
      ts_a = a;
      ts_b = str_end;
    } else {
      flags &= ~F_TS_TEXT;
    }
    return 1;
  }
  u32 id = intern_cached(cache_field(capture), buf + a, str_end - a);
  if (id == 0) return 0;
  switch (capture) {
    case C_SYMBOL: f_symbol = (u16)id; break;
    case C_KIND: f_kind = (u16)id; break;
    case C_GATE_NAME:
      f_gate = (u16)id;
      gate_name_set = 1;
      break;
    case C_GATE: f_gate = (u16)id; break;
    case C_DECISION: f_decision = (u16)id; break;
    case C_MODE: f_mode = (u16)id; break;
    case C_CODE: f_code = (u16)id; break;
    case C_SIDE: f_side = (u16)id; break;
    default: break;
  }
  return 1;
}

/* A captured field whose value is a string [str_start, str_end). 0: unsure. */
static int store_string(int capture) {
  stored = 0;
  /* A string where a boolean or a number is captured: as any other type. */
  if (capture == C_PASSED || capture == C_FILL_NOTIONAL || capture == C_FILL_FEE) {
    return store_other(capture);
  }
  /* The JavaScript scanner keeps a code for gates and errors only, a side for fills only
   * (or either while the kind is not known yet); a value it would not keep leaves the field. */
  if (!decoder_rules && capture == C_CODE && !kind_keeps_code()) return 1;
  if (!decoder_rules && capture == C_SIDE && !kind_keeps_side()) return 1;
  if (capture == C_GATE && gate_name_set) return 1;
  if (!assign_string(capture)) return 0;
  stored = 1;
  if (recording) {
    int field = hit_field(capture);
    if (field >= 0) field_hits[field]++;
  }
  return 1;
}

/* A captured field whose value is not a string (nor, for numbers and passed, its type). */
static int store_other(int capture) {
  if (recording) {
    int field = hit_field(capture);
    if (field >= 0) field_hits[field]++;
  }
  switch (capture) {
    case C_TS:
      v_ts = nan_value();
      flags &= ~F_TS_TEXT;
      return 1;
    case C_SYMBOL: f_symbol = 0; return 1;
    case C_PASSED: f_passed = 0; return 1;
    case C_DECISION: f_decision = 0; return 1;
    case C_FILL_NOTIONAL:
      v_notional = nan_value();
      flags &= ~F_NOTIONAL_TEXT;
      return 1;
    case C_FILL_FEE:
      v_fee = nan_value();
      flags &= ~F_FEE_TEXT;
      return 1;
    case C_MODE: f_mode = 0; return 1;
    case C_CODE: f_code = 0; return 1;
    case C_SIDE: f_side = 0; return 1;
    /* A kind or gate name that is not a string: left to the JavaScript scanner. */
    case C_KIND:
    case C_GATE_NAME:
    case C_GATE: return 0;
    default: return 1;
  }
}

static int key_capture(int table) {
  const u8* k = buf + str_start;
  u32 n = str_end - str_start;
  if (table == T_TOP) {
    switch (n) {
      case 2: return k[0] == 't' && k[1] == 's' ? C_TS : C_NONE;
      case 4:
        if (bytes_equal(k, (const u8*)"kind", 4)) return C_KIND;
        if (bytes_equal(k, (const u8*)"mode", 4)) return C_MODE;
        return C_NONE;
      case 6: return bytes_equal(k, (const u8*)"symbol", 6) ? C_SYMBOL : C_NONE;
      case 7: return bytes_equal(k, (const u8*)"payload", 7) ? C_PAYLOAD : C_NONE;
      default: return C_NONE;
    }
  }
  switch (n) {
    case 4:
      if (bytes_equal(k, (const u8*)"gate", 4)) return C_GATE;
      if (bytes_equal(k, (const u8*)"code", 4)) return C_CODE;
      if (bytes_equal(k, (const u8*)"side", 4)) return C_SIDE;
      return C_NONE;
    case 6: return bytes_equal(k, (const u8*)"passed", 6) ? C_PASSED : C_NONE;
    case 8:
      if (bytes_equal(k, (const u8*)"decision", 8)) return C_DECISION;
      if (bytes_equal(k, (const u8*)"fill_fee", 8)) return C_FILL_FEE;
      return C_NONE;
    case 9: return bytes_equal(k, (const u8*)"gate_name", 9) ? C_GATE_NAME : C_NONE;
    case 13: return bytes_equal(k, (const u8*)"fill_notional", 13) ? C_FILL_NOTIONAL : C_NONE;
    default: return C_NONE;
  }
}

static int scan_object(int depth, int table);
static int scan_array(int depth);

static int scan_value(int depth, int capture) {
  if (pos >= end) return 0;
  u8 c = buf[pos];
  if (c == '"') {
    if (!scan_string()) return 0;
    if (capture == C_NONE || capture == C_PAYLOAD) return 1;
    if (str_escaped) return 0;
    return store_string(capture);
  }
  if (c == '{' || c == '[') {
    if (depth >= MAX_DEPTH) return 0;
    if (capture == C_PAYLOAD && c == '{') return scan_object(depth + 1, T_PAYLOAD);
    if (capture != C_NONE && capture != C_PAYLOAD && !store_other(capture)) return 0;
    return c == '{' ? scan_object(depth + 1, T_NONE) : scan_array(depth + 1);
  }
  if (c == 't' || c == 'f') {
    int value = c == 't';
    if (!(value ? match_literal("true", 4) : match_literal("false", 5))) return 0;
    if (capture == C_PASSED) {
      f_passed = value ? 2 : 1;
      hit(H_PASSED);
      return 1;
    }
    return capture == C_NONE || capture == C_PAYLOAD || store_other(capture);
  }
  if (c == 'n') {
    if (!match_literal("null", 4)) return 0;
    return capture == C_NONE || capture == C_PAYLOAD || store_other(capture);
  }
  if (c == 'N') {
    if (!match_literal("NaN", 3)) return 0;
    if (capture == C_FILL_NOTIONAL) {
      v_notional = nan_value();
      flags &= ~F_NOTIONAL_TEXT;
      hit(H_NOTIONAL);
      return 1;
    }
    if (capture == C_FILL_FEE) {
      v_fee = nan_value();
      flags &= ~F_FEE_TEXT;
      hit(H_FEE);
      return 1;
    }
    return capture == C_NONE || capture == C_PAYLOAD || store_other(capture);
  }
  u32 start = pos;
  if (!scan_number()) return 0;
  if (capture == C_FILL_NOTIONAL || capture == C_FILL_FEE) {
    hit(capture == C_FILL_NOTIONAL ? H_NOTIONAL : H_FEE);
    int text;
    double value;
    if (buf[start] == 'I' || (buf[start] == '-' && buf[start + 1] == 'I')) {
      value = buf[start] == '-' ? -__builtin_inf() : __builtin_inf();
      text = 0;
    } else {
      value = number_value(start, pos, &text);
    }
    if (capture == C_FILL_NOTIONAL) {
      v_notional = value;
      if (text) {
        flags |= F_NOTIONAL_TEXT;
        notional_a = start;
        notional_b = pos;
      } else {
        flags &= ~F_NOTIONAL_TEXT;
      }
    } else {
      v_fee = value;
      if (text) {
        flags |= F_FEE_TEXT;
        fee_a = start;
        fee_b = pos;
      } else {
        flags &= ~F_FEE_TEXT;
      }
    }
    return 1;
  }
  return capture == C_NONE || capture == C_PAYLOAD || store_other(capture);
}

static int scan_object(int depth, int table) {
  pos++;
  skip_ws();
  if (pos < end && buf[pos] == '}') {
    pos++;
    return 1;
  }
  for (;;) {
    if (pos >= end || buf[pos] != '"' || !scan_string()) return 0;
    int capture = C_NONE;
    if (table != T_NONE) {
      if (str_escaped) return 0;
      capture = key_capture(table);
      if (capture == C_PAYLOAD) {
        if (payload_seen) return 0;
        payload_seen = 1;
      }
    }
    skip_ws();
    if (pos >= end || buf[pos] != ':') return 0;
    pos++;
    skip_ws();
    if (!scan_value(depth, capture)) return 0;
    skip_ws();
    if (pos >= end) return 0;
    u8 c = buf[pos++];
    if (c == '}') return 1;
    if (c != ',') return 0;
    skip_ws();
  }
}

static int scan_array(int depth) {
  pos++;
  skip_ws();
  if (pos < end && buf[pos] == ']') {
    pos++;
    return 1;
  }
  for (;;) {
    if (!scan_value(depth, C_NONE)) return 0;
    skip_ws();
    if (pos >= end) return 0;
    u8 c = buf[pos++];
    if (c == ']') return 1;
    if (c != ',') return 0;
    skip_ws();
  }
}

/* Whether [start, stop) has a byte over 0x7f. */
static int has_high_byte(const u8* b, u32 start, u32 stop) {
  for (u32 p = start; p < stop; p += 16) {
    u32 bits = (u32)wasm_i8x16_bitmask(wasm_v128_load(b + p));
    if (stop - p < 16) bits &= (1u << (stop - p)) - 1;
    if (bits != 0) return 1;
  }
  return 0;
}

/* The class of the line [start, stop) (no line ending), or 0 when unsure. */
static u32 scan_line(const u8* b, u32 start, u32 stop) {
  buf = b;
  pos = start;
  end = stop;
  f_kind = ID_UNKNOWN;
  f_mode = f_symbol = f_gate = f_passed = f_decision = f_code = f_side = 0;
  gate_name_set = payload_seen = 0;
  v_ts = v_notional = v_fee = nan_value();
  flags = 0;
  if (pos >= end || b[pos] != '{') return 0;
  decoder_rules = has_high_byte(b, start, stop);
  int ok = scan_object(1, T_TOP);
  skip_ws();
  if (ok && pos == end && decoder_rules && f_gate == 0) {
    f_gate = (u16)intern_cached(cache_field(C_GATE), b, 0);
    if (f_gate == 0) ok = 0;
  }
  decoder_rules = 0;
  if (!ok || pos != end) return 0;
  u16 fields[CLASS_FIELDS] = {f_kind, f_mode, f_symbol, f_gate, f_passed, f_decision, f_code,
                              f_side};
  return intern_class(fields);
}


/* ------------------------------------------------------------------------------------------ */
/* The fast path of a plain line: one with no backslash, no control byte and no byte over 0x7f
 * (the whole line, found while looking for its end). In such a line every string ends at the
 * next quote, so the quotes' positions, kept as a bitmap, replace scanning string contents, and
 * the only whitespace is the space. The fields it captures are those of the general scanner
 * above (the same store functions); a line it cannot take goes to the general scanner.        */

#define MAX_FAST_LINE 4096
static u64 quote_words[MAX_FAST_LINE / 64 + 2];
static u32 fast_start;      /* offset of the line's first byte (bit 0 of the bitmap) */

/* Template ops: literal text, a string's content (up to the next quote), a number. */
enum { OP_LIT, OP_STR, OP_NUM };
#define MAX_HOLES 48
static u32 hole_start[MAX_HOLES];
static u32 hole_end[MAX_HOLES];
static u8 hole_op[MAX_HOLES];
static u8 hole_capture[MAX_HOLES];
static u32 hole_count;

static void note_hole(u32 start, u32 stop, int op, int capture) {
  if (hole_count < MAX_HOLES) {
    hole_start[hole_count] = start;
    hole_end[hole_count] = stop;
    hole_op[hole_count] = (u8)op;
    hole_capture[hole_count] = (u8)capture;
  }
  hole_count++; /* past MAX_HOLES: no template */
}
static u32 fast_last_word;  /* index of the bitmap's last word */

/* Offset of the first quote at or after offset p, or 0xffffffff when there is none. */
static inline u32 next_quote(u32 p) {
  u32 r = p - fast_start;
  u32 w = r >> 6;
  if (w > fast_last_word) return 0xffffffffu;
  u64 m = quote_words[w] & (~0ull << (r & 63));
  while (m == 0) {
    if (++w > fast_last_word) return 0xffffffffu;
    m = quote_words[w];
  }
  return fast_start + w * 64 + (u32)__builtin_ctzll(m);
}

static inline u32 skip_spaces(const u8* b, u32 p) {
  while (b[p] == ' ') p++;
  return p;
}

static inline u32 load32(const u8* p) {
  u32 v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline u32 load16(const u8* p) { return (u32)p[0] | ((u32)p[1] << 8); }


static inline int fast_top_key(const u8* k, u32 n) {
  switch (n) {
    case 2: return load16(k) == ('t' | ('s' << 8)) ? C_TS : C_NONE;
    case 4: {
      u32 w = load32(k);
      if (w == W4('k', 'i', 'n', 'd')) return C_KIND;
      if (w == W4('m', 'o', 'd', 'e')) return C_MODE;
      return C_NONE;
    }
    case 6:
      return load32(k) == W4('s', 'y', 'm', 'b') && load16(k + 4) == ('o' | ('l' << 8))
                 ? C_SYMBOL
                 : C_NONE;
    case 7:
      return (load64(k) & 0x00ffffffffffffffull) == W8('p', 'a', 'y', 'l', 'o', 'a', 'd', 0)
                 ? C_PAYLOAD
                 : C_NONE;
    default: return C_NONE;
  }
}

static inline int fast_payload_key(const u8* k, u32 n) {
  switch (n) {
    case 4: {
      u32 w = load32(k);
      if (w == W4('g', 'a', 't', 'e')) return C_GATE;
      if (w == W4('c', 'o', 'd', 'e')) return C_CODE;
      if (w == W4('s', 'i', 'd', 'e')) return C_SIDE;
      return C_NONE;
    }
    case 6:
      return load32(k) == W4('p', 'a', 's', 's') && load16(k + 4) == ('e' | ('d' << 8))
                 ? C_PASSED
                 : C_NONE;
    case 8: {
      u64 w = load64(k);
      if (w == W8('d', 'e', 'c', 'i', 's', 'i', 'o', 'n')) return C_DECISION;
      if (w == W8('f', 'i', 'l', 'l', '_', 'f', 'e', 'e')) return C_FILL_FEE;
      return C_NONE;
    }
    case 9:
      return load64(k) == W8('g', 'a', 't', 'e', '_', 'n', 'a', 'm') && k[8] == 'e'
                 ? C_GATE_NAME
                 : C_NONE;
    case 13:
      return load64(k) == W8('f', 'i', 'l', 'l', '_', 'n', 'o', 't') &&
                     load64(k + 5) == W8('n', 'o', 't', 'i', 'o', 'n', 'a', 'l')
                 ? C_FILL_NOTIONAL
                 : C_NONE;
    default: return C_NONE;
  }
}

static u32 fast_object(u32 p, int depth, int table);
static u32 fast_array(u32 p, int depth);

/* The value at offset p (spaces skipped); returns the offset after it, or 0 (not taken: a
 * value never ends at offset 0). */
static u32 fast_value(u32 p, int depth, int capture) {
  const u8* b = buf;
  const u32 e = end;
  u8 c = b[p];
  if (c == '"') {
    u32 q = next_quote(p + 1);
    if (q >= e) return 0;
    int hole = C_NONE;
    if (capture != C_NONE && capture != C_PAYLOAD) {
      str_start = p + 1;
      str_end = q;
      str_non_ascii = 0;
      if (!store_string(capture)) return 0;
      if (stored) hole = capture;
    }
    /* A kind or mode is part of the template's text; any other string is a hole. */
    if (recording && capture != C_KIND && capture != C_MODE) note_hole(p + 1, q, OP_STR, hole);
    return q + 1;
  }
  if (c == '{' || c == '[') {
    if (depth >= MAX_DEPTH) return 0;
    if (capture == C_PAYLOAD && c == '{') return fast_object(p, depth + 1, T_PAYLOAD);
    if (capture != C_NONE && capture != C_PAYLOAD && !store_other(capture)) return 0;
    return c == '{' ? fast_object(p, depth + 1, T_NONE) : fast_array(p, depth + 1);
  }
  if (c == 't') {
    if (load32(b + p) != W4('t', 'r', 'u', 'e') || p + 4 > e) return 0;
    if (capture == C_PASSED) {
      f_passed = 2;
      hit(H_PASSED);
    } else if (capture != C_NONE && capture != C_PAYLOAD && !store_other(capture)) {
      return 0;
    }
    return p + 4;
  }
  if (c == 'f') {
    if (load32(b + p) != W4('f', 'a', 'l', 's') || b[p + 4] != 'e' || p + 5 > e) return 0;
    if (capture == C_PASSED) {
      f_passed = 1;
      hit(H_PASSED);
    } else if (capture != C_NONE && capture != C_PAYLOAD && !store_other(capture)) {
      return 0;
    }
    return p + 5;
  }
  if (c == 'n') {
    if (load32(b + p) != W4('n', 'u', 'l', 'l') || p + 4 > e) return 0;
    if (capture != C_NONE && capture != C_PAYLOAD && !store_other(capture)) return 0;
    return p + 4;
  }
  /* Numbers, NaN and Infinity: the general scanner's code (rare literals included). */
  pos = p;
  if (!scan_value(depth, capture == C_PAYLOAD ? C_NONE : capture)) return 0;
  /* A number is a hole (NaN and Infinity are part of the template's text). */
  if (recording && (is_digit(c) || (c == '-' && is_digit(b[p + 1])))) {
    note_hole(p, pos, OP_NUM,
              capture == C_FILL_NOTIONAL || capture == C_FILL_FEE ? capture : C_NONE);
  }
  return pos;
}

static u32 fast_object(u32 p, int depth, int table) {
  const u8* b = buf;
  const u32 e = end;
  p = skip_spaces(b, p + 1);
  if (b[p] == '}') return p + 1;
  for (;;) {
    if (b[p] != '"') return 0;
    u32 q = next_quote(p + 1);
    if (q >= e) return 0;
    int capture = C_NONE;
    if (table == T_TOP) {
      capture = fast_top_key(b + p + 1, q - p - 1);
      if (capture == C_PAYLOAD) {
        if (payload_seen) return 0;
        payload_seen = 1;
      }
    } else if (table == T_PAYLOAD) {
      capture = fast_payload_key(b + p + 1, q - p - 1);
    }
    p = skip_spaces(b, q + 1);
    if (b[p] != ':') return 0;
    p = skip_spaces(b, p + 1);
    if (p >= e) return 0;
    p = fast_value(p, depth, capture);
    if (p == 0) return 0;
    p = skip_spaces(b, p);
    if (p >= e) return 0;
    u8 c = b[p++];
    if (c == '}') return p;
    if (c != ',') return 0;
    p = skip_spaces(b, p);
  }
}

static u32 fast_array(u32 p, int depth) {
  const u8* b = buf;
  const u32 e = end;
  p = skip_spaces(b, p + 1);
  if (b[p] == ']') return p + 1;
  for (;;) {
    if (p >= e) return 0;
    p = fast_value(p, depth, C_NONE);
    if (p == 0) return 0;
    p = skip_spaces(b, p);
    if (p >= e) return 0;
    u8 c = b[p++];
    if (c == ']') return p;
    if (c != ',') return 0;
    p = skip_spaces(b, p);
  }
}

/* The class of the plain line [start, stop) whose quote bitmap is set, or 0 (not taken). */
static u32 fast_line(const u8* b, u32 start, u32 stop) {
  buf = b;
  end = stop;
  f_kind = ID_UNKNOWN;
  f_mode = f_symbol = f_gate = f_passed = f_decision = f_code = f_side = 0;
  gate_name_set = payload_seen = 0;
  v_ts = v_notional = v_fee = nan_value();
  flags = 0;
  if (start >= stop || b[start] != '{') return 0;
  u32 p = fast_object(start, 1, T_TOP);
  if (p == 0) return 0;
  p = skip_spaces(b, p);
  if (p != stop) return 0;
  u16 fields[CLASS_FIELDS] = {f_kind, f_mode, f_symbol, f_gate, f_passed, f_decision, f_code,
                              f_side};
  return intern_class(fields);
}


/* ------------------------------------------------------------------------------------------ */
/* Templates. The lines of a session come in a few shapes (an intent, a passed gate, a blocked
 * gate, an order, a fill), which differ only in their value strings and numbers. A plain line
 * the fast path accepted becomes a template: its text with holes where the value strings and
 * numbers were (a kind and a mode stay in the text, so they are fixed by it). A later plain
 * line with as many quotes is tried against the templates seen most recently with that count:
 * its text must equal the template's outside the holes, each string hole ends at the next
 * quote (a plain line's string holds no quote, backslash or control byte), and each number
 * hole must be a JSON number. Such a line has the template's structure, keys and captures,
 * so the fields the template fixed are copied and only the holes are read; comparing text
 * sixteen bytes at a time costs far less than deciding what each byte is. A line whose
 * fields are captured twice (a repeated key) never becomes a template.                        */

#define MAX_TEMPLATES 256
#define OP_POOL 12288
#define TEMPLATE_TEXT (160 * 1024)
#define TEMPLATE_BUCKETS 64
#define BUCKET_WAYS 4

typedef struct {
  u8 op;
  u8 capture;
  u16 len;
  u32 off;
} Op;

typedef struct {
  u32 first_op;
  u32 ops;
  u32 quotes;
  u16 fields[CLASS_FIELDS];
  /* The template (id) of the line that followed one of this template last time, or 0. */
  u32 successor;
  double ts, notional, fee;
} Template;

static Op op_pool[OP_POOL];
static u32 ops_used;
static u8 template_text[TEMPLATE_TEXT + READ_PADDING];
static u32 text_used;
static Template templates[MAX_TEMPLATES];
static u32 template_count;
static u16 buckets[TEMPLATE_BUCKETS][BUCKET_WAYS]; /* template ids (+1), most recent first */
static u32 line_quotes; /* quotes in the line found by `find_line` */
static u32 matched_template;  /* the template (id) the last line fitted, or 0 */
static u32 previous_template; /* the same for the line before it */

static void reset_templates(void) {
  ops_used = text_used = template_count = 0;
  matched_template = previous_template = 0;
  for (u32 i = 0; i < TEMPLATE_BUCKETS; i++) {
    for (u32 w = 0; w < BUCKET_WAYS; w++) buckets[i][w] = 0;
  }
}

static inline int text_equal(const u8* a, const u8* t, u32 n) {
  u32 i = 0;
  for (; i + 16 <= n; i += 16) {
    if (!wasm_i8x16_all_true(wasm_i8x16_eq(wasm_v128_load(a + i), wasm_v128_load(t + i)))) {
      return 0;
    }
  }
  if (i < n) {
    u32 same = (u32)wasm_i8x16_bitmask(
        wasm_i8x16_eq(wasm_v128_load(a + i), wasm_v128_load(t + i)));
    u32 need = (1u << (n - i)) - 1;
    if ((same & need) != need) return 0;
  }
  return 1;
}

static int emit_text(u32 start, u32 stop) {
  u32 n = stop - start;
  if (n == 0) return 1;
  if (ops_used >= OP_POOL || text_used + n > TEMPLATE_TEXT || n > 0xffff) return 0;
  __builtin_memcpy(template_text + text_used, buf + start, n);
  op_pool[ops_used++] = (Op){OP_LIT, 0, (u16)n, text_used};
  text_used += n;
  return 1;
}

/* Make a template of the plain line [start, stop) that the fast path just read, recording. */
static void learn_template(u32 start, u32 stop) {
  if (hole_count > MAX_HOLES || template_count >= MAX_TEMPLATES) return;
  for (u32 f = 0; f < H_FIELDS; f++) {
    if (field_hits[f] > 1) return;
  }
  u32 first = ops_used;
  u32 text = text_used;
  u32 p = start;
  for (u32 h = 0; h < hole_count; h++) {
    /* Text before every hole and after the last (see run_template); never empty in JSON. */
    if (hole_start[h] <= p || !emit_text(p, hole_start[h]) || ops_used >= OP_POOL) goto undo;
    op_pool[ops_used++] = (Op){hole_op[h], hole_capture[h], 0, 0};
    p = hole_end[h];
  }
  if (stop <= p || !emit_text(p, stop)) goto undo;
  {
    Template* t = &templates[template_count];
    t->first_op = first;
    t->ops = ops_used - first;
    t->quotes = line_quotes;
    u16 fields[CLASS_FIELDS] = {f_kind, f_mode, f_symbol, f_gate, f_passed, f_decision, f_code,
                                f_side};
    for (u32 f = 0; f < CLASS_FIELDS; f++) t->fields[f] = fields[f];
    t->ts = v_ts;
    t->notional = v_notional;
    t->fee = v_fee;
    t->successor = 0;
    template_count++;
    matched_template = template_count;
    u16* ways = buckets[line_quotes & (TEMPLATE_BUCKETS - 1)];
    for (u32 w = BUCKET_WAYS - 1; w > 0; w--) ways[w] = ways[w - 1];
    ways[0] = (u16)template_count;
  }
  return;
undo:
  ops_used = first;
  text_used = text;
}

/* The fields a template fixes, before its holes are read. */
static inline void start_from_template(const Template* t) {
  f_kind = t->fields[0];
  f_mode = t->fields[1];
  f_symbol = t->fields[2];
  f_gate = t->fields[3];
  f_passed = t->fields[4];
  f_decision = t->fields[5];
  f_code = t->fields[6];
  f_side = t->fields[7];
  v_ts = t->ts;
  v_notional = t->notional;
  v_fee = t->fee;
  flags = 0;
}

/* A fill's notional or fee read from the number hole [a, b). */
static inline void capture_number(u8 capture, u32 a, u32 b) {
  int text;
  double value = number_value(a, b, &text);
  if (capture == C_FILL_NOTIONAL) {
    v_notional = value;
    if (text) {
      flags |= F_NOTIONAL_TEXT;
      notional_a = a;
      notional_b = b;
    }
  } else {
    v_fee = value;
    if (text) {
      flags |= F_FEE_TEXT;
      fee_a = a;
      fee_b = b;
    }
  }
}

/* Whether the plain line [start, stop) fits template t; its fields are then set. */
static int run_template(const Template* t, u32 start, u32 stop) {
  const u8* b = buf;
  start_from_template(t);
  u32 p = start;
  const Op* op = op_pool + t->first_op;
  const Op* last = op + t->ops;
  /* A template is text, then pairs of a hole and the text after it (a string's closing quote
   * or what follows a number always is): no decision on the kind of op for the text. */
  for (;;) {
    if (p + op->len > stop || !text_equal(b + p, template_text + op->off, op->len)) return 0;
    p += op->len;
    if (++op >= last) break;
    if (op->op == OP_STR) {
      u32 q = next_quote(p);
      if (q >= stop) return 0;
      if (op->capture != C_NONE) {
        str_start = p;
        str_end = q;
        str_non_ascii = 0;
        if (!assign_string(op->capture)) return 0;
      }
      p = q;
    } else {
      u8 c = b[p];
      if (!(is_digit(c) || (c == '-' && is_digit(b[p + 1])))) return 0;
      pos = p;
      if (!scan_number()) return 0;
      if (op->capture != C_NONE) capture_number(op->capture, p, pos);
      p = pos;
    }
    op++;
  }
  return p == stop;
}

/* The class of the plain line [start, stop) when a recent template fits it, else 0. */
static u32 template_line(const u8* b, u32 start, u32 stop) {
  buf = b;
  end = stop;
  u16* ways = buckets[line_quotes & (TEMPLATE_BUCKETS - 1)];
  for (u32 w = 0; w < BUCKET_WAYS; w++) {
    u32 id = ways[w];
    if (id == 0) return 0;
    const Template* t = &templates[id - 1];
    if (t->quotes != line_quotes || !run_template(t, start, stop)) continue;
    for (u32 v = w; v > 0; v--) ways[v] = ways[v - 1];
    ways[0] = (u16)id;
    matched_template = id;
    u16 fields[CLASS_FIELDS] = {f_kind, f_mode, f_symbol, f_gate, f_passed, f_decision, f_code,
                                f_side};
    return intern_class(fields);
  }
  return 0;
}

/* The first special byte of the line found by `find_line` (a backslash, a control byte, a byte
 * over 0x7f; the newline itself excluded), or 0xffffffff. */
static u32 first_special;

static inline u64 mask64(v128_t a, v128_t b, v128_t c, v128_t d) {
  return (u64)(u32)wasm_i8x16_bitmask(a) | ((u64)(u32)wasm_i8x16_bitmask(b) << 16) |
         ((u64)(u32)wasm_i8x16_bitmask(c) << 32) | ((u64)(u32)wasm_i8x16_bitmask(d) << 48);
}

static inline v128_t special_bytes(v128_t v) {
  /* Plain bytes are 0x20..0x7f but the backslash: (v - 0x20) < 0x60 unsigned. */
  v128_t plain = wasm_u8x16_lt(wasm_i8x16_sub(v, wasm_i8x16_splat(0x20)), wasm_i8x16_splat(0x60));
  return wasm_v128_or(wasm_v128_not(plain), wasm_i8x16_eq(v, wasm_i8x16_splat('\\')));
}


/* The offset of the quote ending the plain string content that starts at p, or 0xffffffff
 * when a backslash, control byte or byte over 0x7f comes first, or nothing before `limit`. */
static inline u32 string_end(const u8* b, u32 p, u32 limit) {
  const v128_t quote = wasm_i8x16_splat('"');
  while (p < limit) {
    v128_t v = wasm_v128_load(b + p);
    u32 quotes = (u32)wasm_i8x16_bitmask(wasm_i8x16_eq(v, quote));
    u32 special = (u32)wasm_i8x16_bitmask(special_bytes(v));
    if ((quotes | special) != 0) {
      /* The quote must come before any special byte (0x10000: none in these sixteen). */
      if (ctz32(quotes | 0x10000) > ctz32(special | 0x10000)) return 0xffffffffu;
      return p + ctz32(quotes);
    }
    p += 16;
  }
  return 0xffffffffu;
}

/* Where the line that fitted `walk_template` stops (before its CR, if any). */
static u32 walk_stop;

/*
 * The line starting at `start` read against template t before its end is known (the
 * template guessed from the line before): its text must match, its string holes end at a
 * quote with nothing special before it, its number holes are numbers, and a newline (or
 * CRLF) must follow the template's last text before `to`. Returns the newline's offset (the
 * fields then set) or -1. Reads nothing past `to` but the sixteen bytes of a wide load.
 */
static i32 walk_template(const Template* t, const u8* b, u32 start, u32 to) {
  buf = b;
  end = to;
  start_from_template(t);
  u32 p = start;
  const Op* op = op_pool + t->first_op;
  const Op* last = op + t->ops;
  for (;;) {
    if (p + op->len > to || !text_equal(b + p, template_text + op->off, op->len)) return -1;
    p += op->len;
    if (++op >= last) break;
    if (op->op == OP_STR) {
      u32 q = string_end(b, p, to);
      if (q >= to) return -1;
      if (op->capture != C_NONE) {
        str_start = p;
        str_end = q;
        str_non_ascii = 0;
        if (!assign_string(op->capture)) return -1;
      }
      p = q;
    } else {
      u8 c = b[p];
      if (!(is_digit(c) || (c == '-' && is_digit(b[p + 1])))) return -1;
      pos = p;
      if (!scan_number()) return -1;
      if (op->capture != C_NONE) capture_number(op->capture, p, pos);
      p = pos;
    }
    op++;
  }
  if (p >= to) return -1;
  walk_stop = p;
  if (b[p] == '\n') return (i32)p;
  if (b[p] == '\r' && p + 1 < to && b[p + 1] == '\n') return (i32)(p + 1);
  return -1;
}

/* The offset of the newline ending the line that starts at i (before `to`), or -1. Meanwhile
 * the quotes of a line of up to MAX_FAST_LINE bytes go to the bitmap and `first_special` is
 * set. Reads up to 63 bytes past `to` (the padding). */
static i32 find_line(const u8* b, u32 i, u32 to) {
  const v128_t lf = wasm_i8x16_splat('\n');
  const v128_t quote = wasm_i8x16_splat('"');
  u32 w = 0;
  u32 quote_count = 0;
  first_special = 0xffffffffu;
  fast_start = i;
  for (u32 p = i; p < to; p += 64, w++) {
    v128_t v0 = wasm_v128_load(b + p);
    v128_t v1 = wasm_v128_load(b + p + 16);
    v128_t v2 = wasm_v128_load(b + p + 32);
    v128_t v3 = wasm_v128_load(b + p + 48);
    u64 nl = mask64(wasm_i8x16_eq(v0, lf), wasm_i8x16_eq(v1, lf), wasm_i8x16_eq(v2, lf),
                    wasm_i8x16_eq(v3, lf));
    u64 quotes = mask64(wasm_i8x16_eq(v0, quote), wasm_i8x16_eq(v1, quote),
                        wasm_i8x16_eq(v2, quote), wasm_i8x16_eq(v3, quote));
    u64 special = mask64(special_bytes(v0), special_bytes(v1), special_bytes(v2),
                         special_bytes(v3));
    if (to - p < 64) nl &= (1ull << (to - p)) - 1;
    if (nl != 0) {
      u32 k = (u32)__builtin_ctzll(nl);
      u64 before = k == 0 ? 0 : ~0ull >> (64 - k);
      quotes &= before;
      special &= before;
      if (w < MAX_FAST_LINE / 64) quote_words[w] = quotes;
      if (special != 0 && first_special == 0xffffffffu) {
        first_special = p + (u32)__builtin_ctzll(special);
      }
      fast_last_word = w;
      line_quotes = quote_count + (u32)__builtin_popcountll(quotes);
      return (i32)(p + k);
    }
    if (w < MAX_FAST_LINE / 64) quote_words[w] = quotes;
    quote_count += (u32)__builtin_popcountll(quotes);
    if (special != 0 && first_special == 0xffffffffu) {
      first_special = p + (u32)__builtin_ctzll(special);
    }
  }
  return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Exports.                                                                                    */

/* Forget every interned string and class (the caller forgets its copies too). */
EXPORT(reset)
void reset(void) {
  for (u32 i = 0; i < STRING_SLOTS; i++) str_slots[i] = 0;
  for (u32 i = 0; i < CLASS_SLOTS; i++) class_slots[i] = 0;
  str_count = 0;
  arena_used = 0;
  class_count = 0;
  reset_templates();
  for (u32 f = 0; f < CACHE_FIELDS; f++) {
    for (u32 k = 0; k < CACHE_SLOTS; k++) field_cache[f][k].id = 0;
  }
  intern_text("unknown");
  intern_text("gate");
  intern_text("error");
  intern_text("fill");
  intern_text("intent");
}

/* Whether a table is more than three quarters full (reset before the next scans). */
EXPORT(needs_reset)
u32 needs_reset(void) {
  return str_count * 4 > MAX_STRINGS * 3 || class_count * 4 > MAX_CLASSES * 3 ||
         arena_used * 4 > ARENA_BYTES * 3 || template_count * 4 > MAX_TEMPLATES * 3 ||
         ops_used * 4 > OP_POOL * 3 || text_used * 4 > TEMPLATE_TEXT * 3;
}

EXPORT(string_count) u32 string_count(void) { return str_count; }
EXPORT(class_count_now) u32 class_count_now(void) { return class_count; }
EXPORT(string_capacity) u32 string_capacity(void) { return MAX_STRINGS - 1; }
EXPORT(class_capacity) u32 class_capacity(void) { return MAX_CLASSES - 1; }
EXPORT(arena_capacity) u32 arena_capacity(void) { return ARENA_BYTES; }
EXPORT(arena_in_use) u32 arena_in_use(void) { return arena_used; }
EXPORT(string_offsets) u32 string_offsets(void) { return (u32)str_off; }
EXPORT(string_lengths) u32 string_lengths(void) { return (u32)str_len; }
EXPORT(arena_base) u32 arena_base(void) { return (u32)arena; }
EXPORT(class_table) u32 class_table(void) { return (u32)class_fields; }
EXPORT(record_ints) u32 record_ints(void) { return (u32)rec_ints; }
EXPORT(record_floats) u32 record_floats(void) { return (u32)rec_floats; }
EXPORT(record_capacity) u32 record_capacity(void) { return RECORD_CAP; }
EXPORT(next_line) u32 next_line(void) { return next_offset; }
EXPORT(needle_area) u32 needle_area(void) { return (u32)needle_bytes; }
EXPORT(needle_capacity) u32 needle_capacity(void) { return NEEDLE_CAP; }
EXPORT(match_area) u32 match_area(void) { return (u32)match_positions; }
EXPORT(match_capacity) u32 match_capacity(void) { return MATCH_CAP; }
EXPORT(read_padding) u32 read_padding(void) { return READ_PADDING; }

/*
 * Classify the complete lines of the buffer at `base` from offset `from`, up to
 * `to` (the bytes [to, to + READ_PADDING) must be readable), at most
 * RECORD_CAP of them; returns how many records were written. `next_line()` is
 * then the offset after the last line recorded. A line longer than `max_line`
 * (without its line ending) is recorded as oversized without being scanned.
 */
EXPORT(scan_lines)
u32 scan_lines(u32 base, u32 from, u32 to, u32 max_line) {
  const u8* b = (const u8*)base;
  u32 count = 0;
  u32 i = from;
  while (count < RECORD_CAP) {
    i32* r = rec_ints + count * REC_INTS;
    double* f = rec_floats + count * REC_FLOATS;
    u32 cls = 0;
    i32 nl = -1;
    /* Lines follow each other in a pattern (an intent, gates, an order, a fill): the template
     * that followed the previous line's last time, or the previous line's own, is tried
     * first, before the line's end is even looked for. */
    if (previous_template != 0) {
      const Template* before = &templates[previous_template - 1];
      u32 guesses[2] = {before->successor, previous_template};
      for (u32 g = 0; g < 2 && cls == 0; g++) {
        u32 id = guesses[g];
        if (id == 0 || (g == 1 && id == guesses[0])) continue;
        nl = walk_template(&templates[id - 1], b, i, to);
        if (nl < 0 || walk_stop - i > max_line) {
          nl = -1;
          continue;
        }
        u16 fields[CLASS_FIELDS] = {f_kind,     f_mode, f_symbol, f_gate,
                                    f_passed,   f_decision, f_code, f_side};
        cls = intern_class(fields);
        if (cls != 0) matched_template = id;
      }
    }
    if (cls == 0) {
      matched_template = 0;
      nl = find_line(b, i, to);
      if (nl < 0) break;
      u32 stop = (u32)nl;
      if (stop > i && b[stop - 1] == '\r') stop--;
      if (stop - i > max_line) {
        r[0] = V_OVERSIZED;
      } else {
        /* A plain line (only a CR may precede the newline) takes the fast path. */
        if (first_special >= stop && (u32)nl - i <= MAX_FAST_LINE) {
          cls = template_line(b, i, stop);
          if (cls == 0) {
            recording = 1;
            hole_count = 0;
            for (u32 h = 0; h < H_FIELDS; h++) field_hits[h] = 0;
            cls = fast_line(b, i, stop);
            recording = 0;
            if (cls != 0) learn_template(i, stop);
          }
        }
        if (cls == 0) {
          matched_template = 0;
          cls = scan_line(b, i, stop);
        }
        if (cls == 0) r[0] = V_UNSURE;
      }
    }
    if (matched_template != 0 && previous_template != 0) {
      templates[previous_template - 1].successor = matched_template;
    }
    previous_template = matched_template;
    r[1] = (i32)i;
    r[2] = nl;
    if (cls != 0) {
      r[0] = (i32)cls;
      r[3] = (i32)flags;
      f[0] = v_ts;
      f[1] = v_notional;
      f[2] = v_fee;
      if (flags != 0) {
        r[4] = (i32)ts_a;
        r[5] = (i32)ts_b;
        r[6] = (i32)notional_a;
        r[7] = (i32)notional_b;
        r[8] = (i32)fee_a;
        r[9] = (i32)fee_b;
      }
    }
    count++;
    i = (u32)nl + 1;
  }
  next_offset = i;
  return count;
}

/*
 * Every position of the needle [needle, needle + n) (n ≥ 1) in the buffer
 * [base + from, base + to), in ascending order, written as u32 offsets to
 * `out` (at most `cap`); returns how many. When it returns `cap`, call again
 * from the last position + 1. The bytes up to to + READ_PADDING must be
 * readable.
 */
EXPORT(find_needle)
u32 find_needle(u32 base, u32 from, u32 to, u32 needle, u32 n, u32 out, u32 cap) {
  const u8* b = (const u8*)base;
  const u8* k = (const u8*)needle;
  u32* o = (u32*)out;
  u32 count = 0;
  if (n == 0 || to < from || to - from < n || cap == 0) return 0;
  u32 last = to - n; /* the last possible start */
  /* Candidates: the first two bytes and the last byte match (one filter per 16 starts). */
  const v128_t first = wasm_i8x16_splat(k[0]);
  const v128_t second = wasm_i8x16_splat(n > 1 ? k[1] : k[0]);
  const v128_t final = wasm_i8x16_splat(k[n - 1]);
  u32 i = from;
  while (i <= last) {
    u32 bits;
    if (n == 1) {
      bits = (u32)wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(b + i), first));
    } else {
      v128_t m = wasm_v128_and(wasm_i8x16_eq(wasm_v128_load(b + i), first),
                               wasm_i8x16_eq(wasm_v128_load(b + i + 1), second));
      m = wasm_v128_and(m, wasm_i8x16_eq(wasm_v128_load(b + i + n - 1), final));
      bits = (u32)wasm_i8x16_bitmask(m);
    }
    while (bits != 0) {
      u32 at = i + ctz32(bits);
      bits &= bits - 1;
      if (at > last) break;
      if (n <= 3 || bytes_equal(b + at + 2, k + 2, n - 3)) {
        o[count++] = at;
        if (count == cap) return count;
      }
    }
    i += 16;
  }
  return count;
}
