/* xir.y - grammar of the text IR (.xir). Every action calls a builder in
 * build.c; lists are left-recursive so the parser stack never grows with the
 * input. An error skips to the next ';' so one mistake does not hide the next. */
%require "3.6"
%define api.pure full
%define api.prefix {xir}
%define api.token.prefix {TOK_}
%define parse.error detailed
%locations
%expect 0
%param {yyscan_t scanner}
%parse-param {XirCtx *ctx}

%code requires {
#include "xir.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
#define XIRLTYPE XirLoc
#define XIRLTYPE_IS_DECLARED 1
#define XIRLTYPE_IS_TRIVIAL 1
}

%code top {
/* The grammar is flat (left recursion only), so a fixed stack suffices and
 * the parser never allocates. */
#define YYINITDEPTH 200
#define YYMAXDEPTH 200
}

%code {
int xirlex(XIRSTYPE *lval, XirLoc *lloc, yyscan_t scanner);
static void xirerror(XirLoc *l, yyscan_t scanner, XirCtx *ctx, const char *msg) {
  (void)scanner;
  xir_error(ctx, l, "%s", msg);
}
}

%union {
  int64_t i;  /* INT */
  float f;    /* FLOAT */
  XirStr str; /* STRING, names, optional locations */
  char *id;   /* IDENT and keywords (their spelling) */
  int n;      /* counts */
}

%token <str> STRING "string"
%token <id> IDENT "identifier"
%token <i> INT "integer"
%token <f> FLOAT "float"
%token <id> GRAPH "graph" OPSET "opset" TENSOR "tensor" NODE "node" INPUTS "inputs" OUTPUTS "outputs"
%token ARROW "->" UNDERSCORE "_"

%type <str> loc_opt attr_name
%type <id> kind
%type <n> shape dims init refs refs_opt

%%

/* file := graph_stmt { stmt } */
file: header stmts ;

header: graph_stmt
      | error ';'                                  { yyerrok; xb_reset(ctx); }
      ;

stmts: %empty
     | stmts stmt
     ;

stmt: tensor_stmt
    | io_stmt
    | node_stmt
    | error ';'                                    { yyerrok; xb_reset(ctx); }
    ;

/* graph_stmt := 'graph' STRING 'opset' opset { ',' opset } ';' */
graph_stmt: GRAPH STRING OPSET opsets ';'          { xb_graph(ctx, $2, &@2); } ;

opsets: opset
      | opsets ',' opset
      ;

/* opset := INT (the default domain) | IDENT INT */
opset: INT                                         { xb_opset(ctx, NULL, $1, &@1); }
     | IDENT INT                                   { xb_opset(ctx, $1, $2, &@1); }
     ;

/* tensor_stmt := 'tensor' STRING ':' IDENT shape [ '=' init ] [ '@' STRING ] ';' */
tensor_stmt: TENSOR STRING ':' IDENT shape init loc_opt ';'
               { xb_tensor(ctx, $2, &@2, $4, &@4, $5, $6, &@6, $7, &@1); }
           ;

/* shape := '[' '*' ']' (rank unknown) | '[' [ INT { ',' INT } ] ']' */
shape: '[' '*' ']'                                 { $$ = -1; }
     | '[' ']'                                     { $$ = 0; }
     | '[' dims ']'                                { $$ = $2; }
     ;

dims: INT                                          { $$ = xb_dim(ctx, 0, $1, &@1); }
    | dims ',' INT                                 { $$ = xb_dim(ctx, $1, $3, &@3); }
    ;

/* init := '[' [ number { ',' number } ] ']' | '<' IDENT INT IDENT '>' (elided) */
init: %empty                                       { $$ = 0; }
    | '=' '[' ']'                                  { $$ = 1; }
    | '=' '[' nums ']'                             { $$ = 1; }
    | '=' '<' IDENT INT IDENT '>'                  { xb_elided(ctx, &@2); $$ = 2; }
    ;

nums: num
    | nums ',' num
    ;

num: INT                                           { xb_num_int(ctx, $1); }
   | FLOAT                                         { xb_num_float(ctx, $1); }
   ;

/* io_stmt := ('inputs' | 'outputs') [ STRING { ',' STRING } ] ';' */
io_stmt: INPUTS refs_opt ';'                       { xb_inputs(ctx, 0, &@1); }
       | OUTPUTS refs_opt ';'                      { xb_inputs(ctx, 1, &@1); }
       ;

refs_opt: %empty                                   { $$ = 0; }
        | refs                                     { $$ = $1; }
        ;

/* ref := STRING | '_' (an omitted optional input or output) */
refs: STRING                                       { $$ = xb_ref(ctx, 0, $1, &@1); }
    | UNDERSCORE                                   { $$ = xb_ref_omitted(ctx, 0); }
    | refs ',' STRING                              { $$ = xb_ref(ctx, $1, $3, &@3); }
    | refs ',' UNDERSCORE                          { $$ = xb_ref_omitted(ctx, $1); }
    ;

/* node_stmt := 'node' OP STRING '(' refs ')' '->' '(' refs ')' [ '{' attrs '}' ] [ '@' STRING ] ';'
 * OP is NAME or DOMAIN.NAME */
node_stmt: NODE IDENT STRING '(' refs_opt ')' ARROW '(' refs_opt ')' attrs_opt loc_opt ';'
             { xb_node(ctx, $2, &@2, $3, &@3, $5, $9, $12, &@1); }
         ;

attrs_opt: %empty
         | '{' '}'
         | '{' attrs '}'
         ;

attrs: attr
     | attrs ',' attr
     ;

/* attr := name ':' KIND [ value ] [ '@' STRING ] */
attr: attr_name ':' kind value loc_opt             { xb_attr(ctx, $1, &@1, $3, &@3, $5); } ;

/* Keywords may name attributes. */
attr_name: STRING                                  { $$ = $1; }
         | IDENT                                   { $$ = xb_str(ctx, $1); }
         | GRAPH                                   { $$ = xb_str(ctx, $1); }
         | OPSET                                   { $$ = xb_str(ctx, $1); }
         | TENSOR                                  { $$ = xb_str(ctx, $1); }
         | NODE                                    { $$ = xb_str(ctx, $1); }
         | INPUTS                                  { $$ = xb_str(ctx, $1); }
         | OUTPUTS                                 { $$ = xb_str(ctx, $1); }
         ;

kind: IDENT                                        { $$ = $1; }
    | TENSOR                                       { $$ = $1; }
    ;

/* value := INT | FLOAT | STRING | '_' | '[' [ number { ',' number } ] ']' */
value: %empty                                      { xb_val(ctx, XV_NONE, &@$); }
     | INT                                         { xb_val_int(ctx, $1, &@1); }
     | FLOAT                                       { xb_val_float(ctx, $1, &@1); }
     | STRING                                      { xb_val_string(ctx, $1, &@1); }
     | UNDERSCORE                                  { xb_val(ctx, XV_OMITTED, &@1); }
     | '[' ']'                                     { xb_val(ctx, XV_LIST, &@1); }
     | '[' nums ']'                                { xb_val(ctx, XV_LIST, &@1); }
     ;

loc_opt: %empty                                    { $$.s = NULL; $$.n = 0; }
       | '@' STRING                                { $$ = $2; }
       ;

%%
