/* cases.c - see cases.h. */
#include "cases.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int case_file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

int case_dims(const char *dir, DimBinding *b, char names[8][64]) {
  char path[1024], text[4096];
  snprintf(path, sizeof path, "%s/README", dir);
  FILE *f = fopen(path, "rb");
  if (!f)
    return 0;
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  int k = 0;
  for (char *p = strstr(text, "--dim "); p && k < 8; p = strstr(p + 1, "--dim ")) {
    long long v;
    if (sscanf(p + 6, "%63[A-Za-z0-9_]=%lld", names[k], &v) == 2) {
      b[k].name = names[k];
      b[k].value = v;
      k++;
    }
  }
  return k;
}
