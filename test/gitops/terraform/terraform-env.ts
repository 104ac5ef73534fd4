/**
 * The Go garbage collector setting the tests give terraform and the provider it starts (the plugin
 * inherits terraform's environment). `terraform validate` and `terraform test` start the 700 MB
 * hashicorp/aws provider once per module and run block (about 350 times in one `terraform test` of
 * the environment root), and each start builds and hands over the provider's schema: at Go's
 * default GOGC=100 a third of their CPU went to collecting that garbage. At 400 the heap may grow
 * to five times the live data before a collection (a few hundred MB more per process here): one
 * `terraform test` of the environment root took 38-43 CPU-s at 100 and 27-31 at 400 on this
 * project's 2-core machine. What terraform computes is the same: only when Go frees memory changes.
 */
export const TERRAFORM_GC_ENV = { GOGC: '400' } as const;
