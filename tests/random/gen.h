/* gen.h - random valid models for the differential tests (docs/difftest.md).
 *
 * gen.c     the generator: a Model (tensors, nodes, input data, the list of
 *           values to calibrate) built from a seed, with every shape computed
 *           by the generator itself, written out as .xir text
 * repair.c  calibration and the sign margin, through xnorcc's own interpreter
 *           on the graph as read
 * reduce.c  shrinking a failing model (drop outputs, bypass and cut nodes)
 *
 * The generator knows nothing of xnorcc's internals: it writes text IR that
 * any frontend-level reader could check. Everything it builds is valid by
 * construction (shapes, attributes, channel counts); a model that xnorcc
 * rejects is a failure of the test.
 */
#ifndef XN_DIFFTEST_GEN_H
#define XN_DIFFTEST_GEN_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: tiny, deterministic on every platform. */
typedef struct Rng {
  uint64_t s; /* state */
} Rng;

uint64_t rng_next(Rng *r);
/* Uniform in [0, 1). */
double rng_unif(Rng *r);
/* Uniform integer in [lo, hi] (inclusive). */
int rng_int(Rng *r, int lo, int hi);
/* Standard normal (Box-Muller). */
double rng_normal(Rng *r);
/* 1 with probability p. */
int rng_chance(Rng *r, double p);

#define M_MAXRANK 4

typedef struct MTensor {
  char name[16];           /* "x0", "t12", "w7" */
  int rank;                /* 1, 2 or 4 */
  int64_t d[M_MAXRANK];    /* extents */
  int is_int;              /* int64 constant (shape/pads vectors) */
  float *data;             /* float constant data (malloc'd), NULL when computed */
  int64_t *idata;          /* int64 constant data (malloc'd) */
  int is_input;            /* a graph input (values in Model.indata) */
  int pm1;                 /* every value is exactly +1 or -1 (a Sign output, or pools
                              and reshapes of one): compared bit for bit */
  int dead;                /* dropped by the reducer */
} MTensor;

#define M_MAXIN 6
typedef struct MNode {
  char op[24];             /* ONNX op name */
  int in[M_MAXIN];         /* tensor indices, -1 for an omitted optional input */
  int nin;
  int out;                 /* the one output tensor */
  char attr[320];          /* attribute list as text IR, "" for none */
  int dead;                /* dropped by the reducer */
} MNode;

/* A value the repair step fixes from what the interpreter computes. */
typedef enum CalKind {
  CAL_BN,   /* a BatchNormalization: mean and var from the statistics of its input */
  CAL_SIGN  /* a Sign: the per-channel shift before it moves every input value away from 0 */
} CalKind;

typedef struct Cal {
  CalKind kind;     /* what to fix */
  int probe;        /* the tensor whose values decide: BN input, or the Sign's input */
  int mean, var;    /* CAL_BN: the BN's mean and var constants [C] */
  int scale;        /* CAL_BN: the BN's scale [C] (read to keep it) */
  int shift;        /* CAL_SIGN: constant holding one added value per channel of probe
                       (a BN bias [C] or an Add constant); -1 when probe is a graph
                       input whose values are drawn away from 0 */
} Cal;

#define M_MAXINPUTS 4
#define M_MAXOUTPUTS 8
#define M_MAXCAL 96

typedef struct Model {
  uint64_t seed;                  /* what gen_model was given */
  MTensor *t;                     /* tensors */
  int nt, capt;
  MNode *n;                       /* nodes, in topological order */
  int nn, capn;
  int in[M_MAXINPUTS];            /* graph inputs */
  int nin;
  float *indata[M_MAXINPUTS];     /* their values (malloc'd) */
  int out[M_MAXOUTPUTS];          /* graph outputs */
  int nout;
  Cal cal[M_MAXCAL];              /* in topological order of their nodes */
  int ncal;
  long macs;                      /* multiply-adds of the convs and gemms (budget) */
  long fweights;                  /* float weight values (budget) */
  long bweights;                  /* binary weight values (budget) */
  char desc[512];                 /* what was built, e.g. "conv xnor(K=box) pool fc" */
} Model;

typedef struct GenOptions {
  int big_pads;    /* 1: Conv pads may exceed the input extent (legal ONNX; needs an
                      xnorcc that accepts it) */
  int max_stages;  /* stages per model (0: default 6) */
} GenOptions;

/* Builds a random valid model from seed into m (zeroed by the caller or
 * fresh). Weights, BN parameters and inputs are drawn here; the BN
 * statistics and the shifts before signs are placeholders until repair_model
 * runs. Returns 0, or -1 when out of memory. */
int gen_model(Model *m, uint64_t seed, const GenOptions *o);
/* Frees everything m owns and zeroes it. */
void model_free(Model *m);
/* A deep copy of src into dst (for the reducer). Returns 0 or -1. */
int model_copy(Model *dst, const Model *src);

/* Elements of tensor t. */
int64_t model_numel(const Model *m, int t);

/* Sets tneed[t] (m->nt entries, zeroed by the caller) for every tensor that
 * outs[0..nouts) depend on through live nodes, the outputs included. */
void model_needed(const Model *m, const int *outs, int nouts, char *tneed);

/* The model as .xir text (malloc'd, NUL-terminated; *len gets its length)
 * with the graph outputs outs[0..nouts) instead of m->out (NULL: m->out).
 * Header comments record the seed and which outputs are +-1 (bit-exact).
 * Returns NULL when out of memory. */
char *model_xir(const Model *m, const int *outs, int nouts, size_t *len);

#endif
