/* args.c - the pieces of option parsing that `xnorcc` (main.c) and
 * `xnorcc check` (check.c) share: "--opt VALUE" / "--opt=VALUE" and --dim's
 * NAME=VALUE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

const char *arg_value(int argc, char **argv, int *i, const char *opt) {
  size_t n = strlen(opt);
  if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=')
    return argv[*i] + n + 1;
  if (!strcmp(argv[*i], opt) && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

int arg_is(const char *arg, const char *opt) {
  size_t n = strlen(opt);
  return !strncmp(arg, opt, n) && (arg[n] == 0 || arg[n] == '=');
}

int arg_dim(const char *s, DimBinding *b) {
  const char *eq = strchr(s, '=');
  if (!eq || eq == s)
    return -1;
  char *end;
  errno = 0;
  long long v = strtoll(eq + 1, &end, 10);
  if (*end || end == eq + 1 || errno || v < 1 || v > (1LL << 31))
    return -1;
  size_t n = (size_t)(eq - s);
  char *name = malloc(n + 1);
  if (!name)
    return -1;
  memcpy(name, s, n);
  name[n] = 0;
  b->name = name;
  b->value = v;
  return 0;
}
