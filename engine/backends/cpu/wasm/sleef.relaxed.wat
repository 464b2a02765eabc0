;; The relaxed-SIMD build of the float32 SLEEF lanes, compiled by the build into sleef.relaxed.gen.ts:
;; sleef.wat itself (every kernel, constant and lane function comes from there, so the two builds cannot
;; drift) with the helpers below in place of its helpers of the same names.
;;
;; f32x4.relaxed_madd(a, b, c) is a*b + c either fused (one rounding: fmaf) or as a multiply then an add,
;; as the engine that runs it chooses (V8 on x64: vfmadd231ps where the CPU has FMA3, else mulps+addps).
;; sleef.ts loads this build only after a probe on inputs whose fused and unfused results differ gave
;; the fused result in every lane, so here each $fma is the exactly rounded fmaf of the JavaScript models
;; (nnMath.ts, fma32) on four float32 lanes: no double lanes, $tie is never raised, and the kernels'
;; exact fallback is dead code ($tied is constant 0, and $clear_tie does nothing: no store of $tie a vector).
;;
;; The other two relaxed instructions are deterministic where they are used: i32x4.relaxed_laneselect
;; with masks of whole 0 / -1 lanes is v128.bitselect (x64: one blendvps), and i32x4.relaxed_trunc_f32x4_s
;; agrees with i32x4.trunc_sat_f32x4_s on integral in-range lanes (x64: one cvttps2dq instead of five
;; instructions); the lanes where it may not are masked out by the callers (see $trunc in sleef.wat).
;;
;; include: sleef.wat
(module
  (func $fma (param $a v128) (param $b v128) (param $c v128) (result v128)
    (f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c)))
  (func $fma_exact (param $a v128) (param $b v128) (param $c v128) (result v128)
    (f32x4.relaxed_madd (local.get $a) (local.get $b) (local.get $c)))
  (func $clear_tie)
  (func $tied (result i32)
    (i32.const 0))
  (func $select (param $a v128) (param $b v128) (param $m v128) (result v128)
    (i32x4.relaxed_laneselect (local.get $a) (local.get $b) (local.get $m)))
  (func $trunc (param $x v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_s (local.get $x)))
)
