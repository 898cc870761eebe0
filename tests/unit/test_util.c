/* Arena, StrBuf, StrMap, Diag, checked arithmetic and allocation failure. */
#include <check.h>
#include <string.h>

#include "util/util.h"

START_TEST(arena_zeroed_and_aligned) {
  Arena *a = arena_new();
  for (int i = 1; i < 2000; i += 37) {
    unsigned char *p = arena_alloc(a, (size_t)i);
    ck_assert_uint_eq((uintptr_t)p % 16, 0);
    for (int j = 0; j < i; j++)
      ck_assert_uint_eq(p[j], 0);
    memset(p, 0xab, (size_t)i);
  }
  char *big = arena_alloc(a, 1 << 20); /* larger than a block */
  big[(1 << 20) - 1] = 1;
  ck_assert_str_eq(arena_printf(a, "%s-%d", "x", 42), "x-42");
  arena_free(a);
}
END_TEST

START_TEST(arena_oom_jumps) {
  Arena *a = arena_new();
  jmp_buf env;
  volatile int jumped = 0;
  if (setjmp(env))
    jumped = 1;
  else {
    arena_set_oom(a, &env);
    xn_alloc_fail_at(1);
    arena_alloc(a, 10);
  }
  xn_alloc_fail_at(0);
  ck_assert_int_eq(jumped, 1);
  /* an overflowing array request is out of memory too */
  jumped = 0;
  if (setjmp(env))
    jumped = 1;
  else
    arena_array(a, SIZE_MAX / 2, 4);
  ck_assert_int_eq(jumped, 1);
  arena_free(a);
}
END_TEST

/* arena_resize keeps the bytes and zeroes the rest, in place for a block of
 * its own (no new block: xn_alloc_live unchanged); arena_release gives such
 * a block back at once and ignores a small allocation. */
START_TEST(arena_resize_and_release) {
  Arena *a = arena_new();
  long live0 = xn_alloc_live();
  unsigned char *big = arena_alloc(a, 100000); /* over the 64 KiB block: its own */
  ck_assert_int_eq(xn_alloc_live(), live0 + 1);
  for (int i = 0; i < 100000; i++)
    big[i] = (unsigned char)(i * 7);
  big = arena_resize(a, big, 100000, 3000000);
  ck_assert_int_eq(xn_alloc_live(), live0 + 1);
  for (int i = 0; i < 100000; i++)
    ck_assert_int_eq(big[i], (unsigned char)(i * 7));
  memset(big + 100000, 1, 2900000); /* the new tail is usable */
  char *small = arena_alloc(a, 16);
  memcpy(small, "0123456789abcde", 16);
  long live1 = xn_alloc_live();
  char *grown = arena_resize(a, small, 16, 64); /* small: copied */
  ck_assert_str_eq(grown, "0123456789abcde");
  ck_assert_ptr_ne(grown, small);
  arena_release(a, grown); /* not a block of its own: nothing happens */
  ck_assert_str_eq(grown, "0123456789abcde");
  ck_assert_int_eq(xn_alloc_live(), live1);
  arena_release(a, big);
  ck_assert_int_eq(xn_alloc_live(), live1 - 1);
  ck_assert_ptr_nonnull(arena_alloc(a, 200000)); /* the arena still works */
  arena_free(a);
}
END_TEST

START_TEST(strbuf_grows) {
  Arena *a = arena_new();
  StrBuf b;
  sb_init(&b, a);
  for (int i = 0; i < 1000; i++)
    sb_printf(&b, "%d,", i % 10);
  ck_assert_uint_eq(b.len, 2000);
  ck_assert_uint_eq(strlen(b.s), 2000);
  ck_assert(!strncmp(b.s, "0,1,2,", 6));
  arena_free(a);
}
END_TEST

START_TEST(strmap_basic) {
  Arena *a = arena_new();
  StrMap m;
  strmap_init(&m, a);
  char *keys[500];
  for (int i = 0; i < 500; i++) {
    keys[i] = arena_printf(a, "k%d", i);
    strmap_put(&m, keys[i], i * 3);
  }
  for (int i = 0; i < 500; i++)
    ck_assert_int_eq(strmap_get(&m, keys[i]), i * 3);
  ck_assert_int_eq(strmap_get(&m, "absent"), -1);
  strmap_put(&m, keys[7], 1);
  ck_assert_int_eq(strmap_get(&m, "k7"), 1);
  arena_free(a);
}
END_TEST

START_TEST(diag_format) {
  Diag d;
  diag_init(&d, "m.json");
  diag_error(&d, "bad %s", "thing");
  diag_warning(&d, "odd");
  ck_assert_int_eq(d.nerrors, 1);
  ck_assert_int_eq(d.nwarnings, 1);
  ck_assert_str_eq(d.text, "m.json: error: bad thing\nm.json: warning: odd\n");
  diag_free(&d);
}
END_TEST

START_TEST(checked_math) {
  int64_t r;
  ck_assert(xn_mul_ok(1 << 20, 1 << 20, &r) && r == (int64_t)1 << 40);
  ck_assert(!xn_mul_ok(INT64_MAX / 2 + 1, 2, &r));
  ck_assert(!xn_mul_ok(-1, 2, &r));
  ck_assert(xn_add_ok(INT64_MAX - 1, 1, &r) && r == INT64_MAX);
  ck_assert(!xn_add_ok(INT64_MAX, 1, &r));
}
END_TEST

Suite *util_suite(void) {
  Suite *s = suite_create("util");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, arena_zeroed_and_aligned);
  tcase_add_test(tc, arena_oom_jumps);
  tcase_add_test(tc, arena_resize_and_release);
  tcase_add_test(tc, strbuf_grows);
  tcase_add_test(tc, strmap_basic);
  tcase_add_test(tc, diag_format);
  tcase_add_test(tc, checked_math);
  suite_add_tcase(s, tc);
  return s;
}
