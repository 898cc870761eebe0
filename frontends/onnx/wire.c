/* wire.c - protobuf's binary wire format
 * (https://protobuf.dev/programming-guides/encoding/):
 *
 *   message := field*
 *   field   := tag value           tag = varint (field_number << 3 | wire_type)
 *   value   := varint              wire type 0 (int32, int64, enum, bool)
 *            | 8 bytes             wire type 1 (double, fixed64), little-endian
 *            | varint(n) n bytes   wire type 2 (string, bytes, message, packed scalars)
 *            | 4 bytes             wire type 5 (float, fixed32), little-endian
 *   varint  := 1 to 10 bytes, 7 bits each, least significant first; the high
 *              bit of a byte says another follows
 *
 * A negative int32 or int64 is the varint of its 64-bit two's complement.
 * Nothing here trusts a length: every read is checked against the end of the
 * enclosing message.
 */
#include <string.h>

#include "pb.h"

static const char *const wire_names[8] = {"varint", "fixed64", "length-delimited", "group start",
                                          "group end", "fixed32", "invalid", "invalid"};

size_t pb_off(const PCtx *c, const unsigned char *p) { return (size_t)(p - c->file); }

/* "in the file" or "in the message", for truncation messages. */
static const char *where_end(const PCtx *c, const PbMsg *m) {
  return m->end == c->file + c->len ? "in the file" : "in the enclosing message";
}

/* Decodes a varint at *p (before end) into *v and advances *p. Returns 0, 1
 * (truncated) or 2 (longer than 64 bits). */
static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v) {
  uint64_t x = 0;
  const unsigned char *q = *p;
  for (int shift = 0; shift < 70; shift += 7) {
    if (q == end)
      return 1;
    unsigned b = *q++;
    /* The 10th byte holds bit 63 only. */
    if (shift == 63 && b > 1)
      return 2;
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      *p = q;
      return 0;
    }
  }
  return 2;
}

static uint64_t get_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

int pb_next(PCtx *c, PbMsg *m, PbField *f, const char *path) {
  if (m->p == m->end)
    return 0;
  const unsigned char *start = m->p, *p = m->p;
  uint64_t tag, n;
  f->off = pb_off(c, start);
  int r = get_varint(&p, m->end, &tag);
  if (r) {
    om_err(&c->m, path, "%s at byte %zu: %s", r == 1 ? "truncated" : "invalid field tag", f->off,
           r == 1 ? "the data ends inside a field tag" : "the tag varint is longer than 64 bits");
    goto bad;
  }
  f->wire = (int)(tag & 7);
  if (tag >> 3 == 0 || tag >> 3 > 0x1fffffff) {
    om_err(&c->m, path, "invalid field number %llu at byte %zu", (unsigned long long)(tag >> 3), f->off);
    goto bad;
  }
  f->num = (uint32_t)(tag >> 3);
  size_t left;
  switch (f->wire) {
  case PB_VARINT:
    r = get_varint(&p, m->end, &f->v);
    if (r) {
      om_err(&c->m, path, "%s: field %u at byte %zu: %s", r == 1 ? "truncated" : "invalid varint", f->num, f->off,
             r == 1 ? "the data ends inside its varint" : "its varint is longer than 64 bits");
      goto bad;
    }
    break;
  case PB_FIXED64:
  case PB_FIXED32: {
    int size = f->wire == PB_FIXED64 ? 8 : 4;
    left = (size_t)(m->end - p);
    if (left < (size_t)size) {
      om_err(&c->m, path, "truncated: field %u at byte %zu needs %d bytes but %zu %s left %s", f->num, f->off, size,
             left, left == 1 ? "is" : "are", where_end(c, m));
      goto bad;
    }
    f->v = get_le(p, size);
    p += size;
    break;
  }
  case PB_LEN:
    r = get_varint(&p, m->end, &n);
    if (r) {
      om_err(&c->m, path, "%s: field %u at byte %zu: %s", r == 1 ? "truncated" : "invalid length", f->num, f->off,
             r == 1 ? "the data ends inside its length" : "its length varint is longer than 64 bits");
      goto bad;
    }
    left = (size_t)(m->end - p);
    if (n > left) {
      om_err(&c->m, path, "truncated: field %u at byte %zu is %llu bytes long but %zu %s left %s", f->num, f->off,
             (unsigned long long)n, left, left == 1 ? "is" : "are", where_end(c, m));
      goto bad;
    }
    f->sub.p = p;
    f->sub.end = p + n;
    p += n;
    break;
  default:
    if (f->wire == 3 || f->wire == 4)
      om_err(&c->m, path, "field %u at byte %zu has wire type %d (%s), which ONNX files do not use", f->num, f->off,
             f->wire, wire_names[f->wire]);
    else
      om_err(&c->m, path, "invalid wire type %d of field %u at byte %zu", f->wire, f->num, f->off);
    goto bad;
  }
  m->p = p;
  return 1;
bad:
  m->p = m->end;
  return -1;
}

int pb_want(PCtx *c, const PbField *f, const char *path, int want) {
  if (f->wire == want)
    return 0;
  om_err(&c->m, path, "wire type %d (%s) at byte %zu, expected %d (%s)", f->wire, wire_names[f->wire], f->off, want,
         wire_names[want]);
  return -1;
}

int pb_list_add(PCtx *c, PbList *l, const PbField *f, const char *base) {
  if (f->wire != PB_LEN)
    return pb_want(c, f, om_index(&c->m, base, l->n), PB_LEN);
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 8;
    l->v = arena_grow(c->m.a, l->v, (size_t)l->n, (size_t)l->cap, sizeof *l->v);
  }
  l->v[l->n++] = f->sub;
  return 0;
}

/* ---- single values ---- */

/* Two's complement bits -> value, without implementation-defined casts. */
static int64_t as_i64(uint64_t u) { return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1; }

int pb_int64(PCtx *c, const PbField *f, const char *path, int64_t *out) {
  if (pb_want(c, f, path, PB_VARINT))
    return -1;
  *out = as_i64(f->v);
  return 0;
}

int pb_int32(PCtx *c, const PbField *f, const char *path, int *out) {
  int64_t v;
  if (pb_int64(c, f, path, &v))
    return -1;
  if (v < INT32_MIN || v > INT32_MAX) {
    om_err(&c->m, path, "value %lld at byte %zu is out of the int32 range", (long long)v, f->off);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int pb_enum(PCtx *c, const PbField *f, const char *path, const char *what, const char *const *names, int n,
            int *out) {
  int64_t v;
  if (pb_int64(c, f, path, &v))
    return -1;
  if (v < 0 || v >= n || !names[v]) {
    om_err(&c->m, path, "unknown %s %lld", what, (long long)v);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int pb_float(PCtx *c, const PbField *f, const char *path, float *out) {
  if (pb_want(c, f, path, PB_FIXED32))
    return -1;
  uint32_t u = (uint32_t)f->v;
  memcpy(out, &u, 4);
  return 0;
}

int pb_bytes(PCtx *c, const PbField *f, const char *path, const char **out, size_t *len) {
  if (pb_want(c, f, path, PB_LEN))
    return -1;
  *len = (size_t)(f->sub.end - f->sub.p);
  *out = arena_strndup(c->m.a, (const char *)f->sub.p, *len);
  return 0;
}

int pb_string(PCtx *c, const PbField *f, const char *path, const char **out) {
  if (pb_want(c, f, path, PB_LEN))
    return -1;
  const unsigned char *s = f->sub.p;
  size_t n = (size_t)(f->sub.end - s);
  for (size_t i = 0; i < n;) {
    if (s[i] == 0) {
      om_err(&c->m, path, "'%s' contains a NUL byte, which names cannot hold", om_esc_bytes(&c->m, (const char *)s, n));
      return -1;
    }
    size_t k = s[i] < 0x80 ? 1 : om_utf8_seq(s + i, n - i);
    if (!k) {
      om_err(&c->m, path, "not valid UTF-8 (byte 0x%02x at byte %zu)", s[i], pb_off(c, s + i));
      return -1;
    }
    i += k;
  }
  *out = arena_strndup(c->m.a, (const char *)s, n);
  return 0;
}

int pb_message(PCtx *c, const PbField *f, const char *path, PbMsg *out) {
  if (pb_want(c, f, path, PB_LEN))
    return -1;
  *out = f->sub;
  return 0;
}

/* ---- repeated scalars ---- */

int64_t pb_count(PCtx *c, const PbField *f, int elem, const char *path) {
  if (f->wire == elem)
    return 1;
  if (f->wire != PB_LEN) {
    om_err(&c->m, path, "wire type %d (%s) at byte %zu, expected %d (%s) or %d (packed)", f->wire, wire_names[f->wire],
           f->off, elem, wire_names[elem], PB_LEN);
    return -1;
  }
  size_t n = (size_t)(f->sub.end - f->sub.p);
  if (elem != PB_VARINT) {
    size_t size = elem == PB_FIXED64 ? 8 : 4;
    if (n % size) {
      om_err(&c->m, path, "packed field at byte %zu has %zu bytes, not a whole number of %zu-byte values", f->off, n,
             size);
      return -1;
    }
    return (int64_t)(n / size);
  }
  int64_t count = 0;
  for (const unsigned char *p = f->sub.p; p < f->sub.end; count++) {
    uint64_t v;
    const unsigned char *at = p;
    int r = get_varint(&p, f->sub.end, &v);
    if (r) {
      om_err(&c->m, path, "packed varint at byte %zu %s", pb_off(c, at),
             r == 1 ? "runs past the end of the field" : "is longer than 64 bits");
      return -1;
    }
  }
  return count;
}

void pb_iter_init(PbIter *it, PbMsg msg, uint32_t num, int elem) {
  it->msg = msg;
  it->packed.p = it->packed.end = NULL;
  it->num = num;
  it->elem = elem;
}

/* Every field here was accepted by pb_next and pb_count before: the
 * decoding below cannot fail. */
int pb_iter_next(PbIter *it, uint64_t *v) {
  for (;;) {
    if (it->packed.p < it->packed.end) {
      if (it->elem == PB_VARINT) {
        get_varint(&it->packed.p, it->packed.end, v);
      } else {
        int size = it->elem == PB_FIXED64 ? 8 : 4;
        *v = get_le(it->packed.p, size);
        it->packed.p += size;
      }
      return 1;
    }
    if (it->msg.p >= it->msg.end)
      return 0;
    uint64_t tag = 0, n = 0; /* always set: pb_next checked the field; = 0 for gcc -O3 -Wmaybe-uninitialized */
    get_varint(&it->msg.p, it->msg.end, &tag);
    int wire = (int)(tag & 7);
    const unsigned char *val = it->msg.p;
    if (wire == PB_VARINT)
      get_varint(&it->msg.p, it->msg.end, &n);
    else if (wire == PB_FIXED64 || wire == PB_FIXED32)
      it->msg.p += wire == PB_FIXED64 ? 8 : 4;
    else {
      get_varint(&it->msg.p, it->msg.end, &n);
      val = it->msg.p;
      it->msg.p += n;
    }
    if (tag >> 3 != it->num)
      continue;
    if (wire == PB_LEN) {
      it->packed.p = val;
      it->packed.end = val + n;
    } else {
      *v = wire == PB_VARINT ? n : get_le(val, wire == PB_FIXED64 ? 8 : 4);
      return 1;
    }
  }
}

void pb_iter_all(PbMsg msg, uint32_t num, int elem, int64_t n, uint64_t *out) {
  PbIter it;
  pb_iter_init(&it, msg, num, elem);
  for (int64_t i = 0; i < n && pb_iter_next(&it, &out[i]); i++)
    ;
}
