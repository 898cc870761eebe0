/* driver.h - what the command line's files share.
 *
 * main.c    the command line: compile, run, config; runtime_dirs
 * check.c   xnorcc check
 * args.c    option parsing both share
 */
#ifndef XN_DRIVER_H
#define XN_DRIVER_H

#include <stddef.h>

#include "../../frontends/frontend.h"

/* The runtime's include and library folders: the install tree when xnorcc
 * runs from PREFIX/bin (PREFIX/include holds xnorcc_rt.h; the folders as
 * GNUInstallDirs named them when it was configured), else the build tree it
 * was built in. Writes NUL-terminated paths, truncated to the sizes. */
void runtime_dirs(char *inc, size_t ninc, char *lib, size_t nlib);

/* `xnorcc check MODEL ...` (argv[1] is "check"): the model's generated C,
 * built with the system C compiler and run, against expected outputs or the
 * interpreter (check.c). Returns the exit status: 0 all within the
 * tolerance, 1 not or a step failed, 2 a usage error. */
int cmd_check(int argc, char **argv);

/* The value of "--opt VALUE" or "--opt=VALUE" at argv[*i] (advancing *i
 * past a separate VALUE); NULL when argv[*i] is not opt or VALUE is missing. */
const char *arg_value(int argc, char **argv, int *i, const char *opt);
/* Whether arg is opt, alone or as "opt=..." */
int arg_is(const char *arg, const char *opt);
/* --dim's "NAME=VALUE" (1 <= VALUE <= 2^31) into *b, the name malloc'ed;
 * -1 when malformed or out of memory. */
int arg_dim(const char *s, DimBinding *b);

#endif
