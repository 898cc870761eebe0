/* A minimal stand-in for the Check unit-test library, for the cross builds
 * under qemu (tests/runtime/cross/cross_neon.sh), where no aarch64 libcheck
 * is installed: the subset test_float.c uses, a failed assertion ends its
 * test through longjmp and counts as a failure. */
#ifndef XNRT_MINI_CHECK_H
#define XNRT_MINI_CHECK_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*ck_fn)(int);
typedef struct {
    ck_fn fn[64];
    int lo[64], hi[64], n;
} TCase;
typedef struct {
    const char *name;
    TCase *tc[8];
    int n;
} Suite;
typedef struct {
    Suite *s;
    int failed, run;
} SRunner;
#define CK_NORMAL 0

static jmp_buf ck_jmp;
static void ck_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    longjmp(ck_jmp, 1);
}
#define ck_abort_msg(...) ck_fail(__FILE__, __LINE__, __VA_ARGS__)
#define ck_assert_msg_(c, s) ((c) ? (void)0 : ck_fail(__FILE__, __LINE__, "assertion failed: %s", s))
#define ck_assert_msg(c, ...) ((c) ? (void)0 : ck_fail(__FILE__, __LINE__, __VA_ARGS__))
#define ck_assert_ptr_nonnull(p) ck_assert_msg_((p) != NULL, #p " != NULL")
#define ck_assert_float_eq(a, b) ck_assert_msg_((a) == (b), #a " == " #b)
#define ck_assert_int_eq(a, b) ck_assert_msg_((long long)(a) == (long long)(b), #a " == " #b)
#define ck_assert_int_ge(a, b) ck_assert_msg_((long long)(a) >= (long long)(b), #a " >= " #b)
#define ck_assert_uint_eq(a, b) ck_assert_msg_((unsigned long long)(a) == (unsigned long long)(b), #a " == " #b)
#define START_TEST(name) static void name(int _i) { (void)_i;
#define END_TEST }

static Suite *suite_create(const char *name)
{
    static Suite s;
    s.name = name;
    return &s;
}
static TCase *tcase_create(const char *name)
{
    static TCase t;
    (void)name;
    return &t;
}
static void tcase_set_timeout(TCase *t, double s) { (void)t, (void)s; }
static void tcase_add_loop_test(TCase *t, ck_fn f, int lo, int hi)
{
    t->fn[t->n] = f, t->lo[t->n] = lo, t->hi[t->n] = hi, t->n++;
}
#define tcase_add_test(t, f) tcase_add_loop_test(t, f, 0, 1)
static void suite_add_tcase(Suite *s, TCase *t) { s->tc[s->n++] = t; }
static SRunner *srunner_create(Suite *s)
{
    static SRunner r;
    r.s = s;
    return &r;
}
static void srunner_run_all(SRunner *r, int mode)
{
    volatile int c, f, i;
    (void)mode;
    for (c = 0; c < r->s->n; c++)
        for (f = 0; f < r->s->tc[c]->n; f++)
            for (i = r->s->tc[c]->lo[f]; i < r->s->tc[c]->hi[f]; i++) {
                r->run++;
                if (setjmp(ck_jmp) == 0)
                    r->s->tc[c]->fn[f](i);
                else
                    r->failed++;
            }
    printf("%s: %d passed, %d failed\n", r->s->name, r->run - r->failed, r->failed);
}
static int srunner_ntests_failed(SRunner *r) { return r->failed; }
static void srunner_free(SRunner *r) { (void)r; }

#endif
