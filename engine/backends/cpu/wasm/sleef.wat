;; float32 transcendental lanes (WebAssembly SIMD, 4 lanes), compiled by the build into sleef.gen.ts.
;;
;; Bit-exact ports of the JavaScript models in engine/ops/table/nnMath.ts, which reproduce PyTorch
;; 1.13's AVX2 SLEEF kernels (Sleef_*f8_u10, FMA flavour): every function below mirrors its
;; JavaScript twin line by line (same names: $expf = sleefExpf, $add2 = add2, ...), with float32
;; arithmetic as f32x4 operations (IEEE single, round to nearest even, subnormals kept).
;;
;; Fused multiply-add: a float32 product is exact in a double, so a*b + c is formed in f64x2.
;;  - $fma_exact: TwoSum gives the sum's rounding error and the double is rounded to odd when it is
;;    not zero; rounding that to float32 is then the single correctly rounded fma (Boldo & Melquiond,
;;    round to odd, 53 >= 2*24 + 2 bits). This is exactly engine/random/fma.ts's fma32.
;;  - $fma (the fast path): the double sum rounded to nearest, then to float32. Both grids' points
;;    and float32's midpoints are doubles, so by monotonicity this double rounding can differ from
;;    the fma only when the sum was inexact and the double lands exactly on a float32 midpoint, or
;;    below float32's normal range (where the check does not see midpoints). $fma raises $tie for
;;    such lanes ($suspect: rare, about never on ordinary data), and every kernel then recomputes
;;    that vector with the *_exact copies of the lane functions, which the build makes with
;;    $fma_exact in place of $fma (the variant line below). No relaxed-SIMD madd in this build.
;; sleef.relaxed.wat is this file with $fma and $fma_exact each one f32x4.relaxed_madd (used only
;; where sleef.ts's load-time probe finds it fused; $tied is then constant 0 and the *_exact copies
;; never run), and $select / $trunc the relaxed lane select and truncation (same results here).
;;
;; Exports (addresses are byte offsets into the imported memory: the storage arena's, alloc.ts, or one
;; of the driver's own; lengths in elements):
;;   map(fn, src, dst, n)        dst[i] = lane function `fn` (table below) of src[i], ceil(n/4) vectors
;;   softmax_row(src, dst, n, log)  PyTorch's last-dim (log_)softmax of one row: max and sum reduced in
;;                               vec::reduce_all order, left in the exported globals row_max, row_sum;
;;                               log = 0: dst = exp(src - max) * (1 / sum); log = 1: dst = exp(src - max)
;;                               (the caller then runs log_softmax_tail with log(sum) from libm)
;;   log_softmax_tail(src, dst, n, max, ls)   dst = (src - max) - ls
;;   fma3(a, b, c, dst, n)       dst = fmaf(a, b, c) (the driver's probe, and tests)
;;   axpy(al, y, x, dst, n)      dst = fmaf(al, y, x), n a multiple of 4 (nothing past n is touched)
;; Vector loops read and write whole vectors: up to 32 bytes past the end of a buffer (see sleef.ts).
;;
;; The helpers are written as functions for readability; the build expands every call to them
;; (inline.mjs), since V8 does not inline wasm calls and a call passing vectors spills registers.
;; map() runs one loop per lane function ($each, copied for each with the lane function inlined), as
;; an indirect call per vector would cost a third of exp's time; reduce_all is copied the same way for
;; max and sum ($op4).
;; variant _exact: $fma=$fma_exact
;; copy _expf: $lane=$expf $lane_exact=$expf_exact
;; copy _expm1f: $lane=$expm1f $lane_exact=$expm1f_exact
;; copy _logf: $lane=$logf $lane_exact=$logf_exact
;; copy _log1pf: $lane=$log1pf $lane_exact=$log1pf_exact
;; copy _tanhf: $lane=$tanhf $lane_exact=$tanhf_exact
;; copy _sigmoidf: $lane=$sigmoidf $lane_exact=$sigmoidf_exact
;; copy _log2f: $lane=$log2f $lane_exact=$log2f_exact
;; copy _log10f: $lane=$log10f $lane_exact=$log10f_exact
;; copy _sinf: $lane=$sinf $lane_exact=$sinf_exact
;; copy _cosf: $lane=$cosf $lane_exact=$cosf_exact
;; inline: $suspect $fma_exact $fma_f64 $hi $fma $clear_tie $tied $select $trunc $pow2i $scale $ilogb2k $ldexp2 $mulsign $isnegzero
;; inline: $add2 $add2dd $addDD $mulDF $mulDD $divDD $addToFloat $expf $expk2f $logReduce $logSpecial $logTail $sinPoly $op1
;; inline: $expm1f $logf $log1pf $tanhf $sigmoidf $log2f $log10f $sinf $cosf $max4 $add4 $reduce_tail $exp_at
;; copy _max: $op4=$max4
;; copy _add: $op4=$add4
(module
  (import "env" "memory" (memory 1 32768 shared))

  (type $each (func (param i32 i32 i32)))
  ;; lane function numbers for map(): keep in sync with LANE in sleef.ts
  (table 10 funcref)
  (elem (i32.const 0) $each_expf $each_expm1f $each_logf $each_log1pf $each_tanhf $each_sigmoidf $each_log2f $each_log10f
    $each_sinf $each_cosf)

  ;; set by $fma when its fast path may be off (see the header); kernels clear and test it per vector
  (global $tie (mut i32) (i32.const 0))
  ;; softmax_row's max and sum of the last row
  (global $row_max (export "row_max") (mut f32) (f32.const 0))
  (global $row_sum (export "row_sum") (mut f32) (f32.const 0))

  ;; ---- constants (float32, written exactly in hex; the decimal SLEEF value in the comment) --------
  (global $ONE v128 (v128.const f32x4 1 1 1 1))
  (global $TWO v128 (v128.const f32x4 2 2 2 2))
  (global $HALF v128 (v128.const f32x4 0.5 0.5 0.5 0.5))
  (global $INF v128 (v128.const f32x4 inf inf inf inf))
  (global $NAN v128 (v128.const f32x4 nan nan nan nan))
  (global $SIGN v128 (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
  (global $NEG0 v128 (v128.const f32x4 -0 -0 -0 -0))
  ;; integer lanes (globals, not v128.const: V8 loads a global in one instruction but builds most
  ;; constants in three, inside the loops)
  (global $I64 v128 (v128.const i32x4 64 64 64 64))
  (global $I127 v128 (v128.const i32x4 127 127 127 127))
  (global $I255 v128 (v128.const i32x4 255 255 255 255))
  (global $FLT_MIN v128 (v128.const f32x4 0x1p-126 0x1p-126 0x1p-126 0x1p-126))
  (global $TWO64 v128 (v128.const f32x4 0x1p+64 0x1p+64 0x1p+64 0x1p+64))
  ;; expf
  (global $R_LN2F v128 (v128.const f32x4 0x1.715476p+0 0x1.715476p+0 0x1.715476p+0 0x1.715476p+0)) ;; 1/ln 2
  (global $NL2UF v128 (v128.const f32x4 -0x1.62e4p-1 -0x1.62e4p-1 -0x1.62e4p-1 -0x1.62e4p-1)) ;; -0.693145751953125
  (global $NL2LF v128 (v128.const f32x4 -0x1.7f7d1cp-20 -0x1.7f7d1cp-20 -0x1.7f7d1cp-20 -0x1.7f7d1cp-20)) ;; -1.428606765330187045e-06
  (global $E0 v128 (v128.const f32x4 0x1.a057b4p-13 0x1.a057b4p-13 0x1.a057b4p-13 0x1.a057b4p-13)) ;; 0.000198527617612853646278381
  (global $E1 v128 (v128.const f32x4 0x1.6d2d92p-10 0x1.6d2d92p-10 0x1.6d2d92p-10 0x1.6d2d92p-10)) ;; 0.00139304355252534151077271
  (global $E2 v128 (v128.const f32x4 0x1.11114cp-7 0x1.11114cp-7 0x1.11114cp-7 0x1.11114cp-7)) ;; 0.00833336077630519866943359
  (global $E3 v128 (v128.const f32x4 0x1.5554f4p-5 0x1.5554f4p-5 0x1.5554f4p-5 0x1.5554f4p-5)) ;; 0.0416664853692054748535156
  (global $E4 v128 (v128.const f32x4 0x1.555556p-3 0x1.555556p-3 0x1.555556p-3 0x1.555556p-3)) ;; 0.166666671633720397949219
  (global $EXP_LO v128 (v128.const f32x4 -104 -104 -104 -104))
  (global $EXP_HI v128 (v128.const f32x4 100 100 100 100))
  (global $EXP_LO_CLAMP v128 (v128.const f32x4 -105 -105 -105 -105))
  ;; expk2f
  (global $K0 v128 (v128.const f32x4 0x1.9f6ffep-13 0x1.9f6ffep-13 0x1.9f6ffep-13 0x1.9f6ffep-13)) ;; 0.1980960224e-3
  (global $K1 v128 (v128.const f32x4 0x1.6d7ef8p-10 0x1.6d7ef8p-10 0x1.6d7ef8p-10 0x1.6d7ef8p-10)) ;; 0.1394256484e-2
  (global $K2 v128 (v128.const f32x4 0x1.11121ap-7 0x1.11121ap-7 0x1.11121ap-7 0x1.11121ap-7)) ;; 0.8333456703e-2
  (global $K3 v128 (v128.const f32x4 0x1.5554b8p-5 0x1.5554b8p-5 0x1.5554b8p-5 0x1.5554b8p-5)) ;; 0.4166637361e-1
  (global $K4 v128 (v128.const f32x4 0x1.555554p-3 0x1.555554p-3 0x1.555554p-3 0x1.555554p-3)) ;; 0.166666659414234244790680580464
  (global $TANH_MAX v128 (v128.const f32x4 0x1.154246p+3 0x1.154246p+3 0x1.154246p+3 0x1.154246p+3)) ;; 8.664339742
  (global $EM1_HI v128 (v128.const f32x4 0x1.62e42ep+6 0x1.62e42ep+6 0x1.62e42ep+6 0x1.62e42ep+6)) ;; 88.72283172607421875
  (global $EM1_LO v128 (v128.const f32x4 -0x1.0a2b24p+4 -0x1.0a2b24p+4 -0x1.0a2b24p+4 -0x1.0a2b24p+4)) ;; -16.635532333438687426013570
  ;; logs
  (global $R075 v128 (v128.const f32x4 0x1.555556p+0 0x1.555556p+0 0x1.555556p+0 0x1.555556p+0)) ;; 1/0.75
  (global $L2_HI v128 (v128.const f32x4 0x1.62e43p-1 0x1.62e43p-1 0x1.62e43p-1 0x1.62e43p-1)) ;; 0.69314718246459960938
  (global $L2_LO v128 (v128.const f32x4 -0x1.05c61p-29 -0x1.05c61p-29 -0x1.05c61p-29 -0x1.05c61p-29)) ;; -1.904654323148236017e-09
  (global $LG0 v128 (v128.const f32x4 0x1.35feb8p-2 0x1.35feb8p-2 0x1.35feb8p-2 0x1.35feb8p-2)) ;; 0.3027294874
  (global $LG1 v128 (v128.const f32x4 0x1.993394p-2 0x1.993394p-2 0x1.993394p-2 0x1.993394p-2)) ;; 0.3996108174
  (global $LG2 v128 (v128.const f32x4 0x1.5555b4p-1 0x1.5555b4p-1 0x1.5555b4p-1 0x1.5555b4p-1)) ;; 0.6666694880
  (global $LOG1P_MAX v128 (v128.const f32x4 0x1.2ced32p+126 0x1.2ced32p+126 0x1.2ced32p+126 0x1.2ced32p+126)) ;; largest float32 <= 1e38
  (global $L2P0 v128 (v128.const f32x4 0x1.bff436p-2 0x1.bff436p-2 0x1.bff436p-2 0x1.bff436p-2)) ;; 0.4374550283
  (global $L2P1 v128 (v128.const f32x4 0x1.272842p-1 0x1.272842p-1 0x1.272842p-1 0x1.272842p-1)) ;; 0.5764790177
  (global $L2P2 v128 (v128.const f32x4 0x1.ec7138p-1 0x1.ec7138p-1 0x1.ec7138p-1 0x1.ec7138p-1)) ;; 0.9618012905120
  (global $L2H v128 (v128.const f32x4 0x1.715476p+1 0x1.715476p+1 0x1.715476p+1 0x1.715476p+1)) ;; 2.8853900432586669922
  (global $L2L v128 (v128.const f32x4 0x1.192fdep-25 0x1.192fdep-25 0x1.192fdep-25 0x1.192fdep-25)) ;; 3.2734474483568488616e-08
  (global $L10P0 v128 (v128.const f32x4 0x1.0d2aa4p-3 0x1.0d2aa4p-3 0x1.0d2aa4p-3 0x1.0d2aa4p-3)) ;; 0.1314289868
  (global $L10P1 v128 (v128.const f32x4 0x1.636dd8p-3 0x1.636dd8p-3 0x1.636dd8p-3 0x1.636dd8p-3)) ;; 0.1735493541
  (global $L10P2 v128 (v128.const f32x4 0x1.287acep-2 0x1.287acep-2 0x1.287acep-2 0x1.287acep-2)) ;; 0.2895309627
  (global $L10EH v128 (v128.const f32x4 0x1.344136p-2 0x1.344136p-2 0x1.344136p-2 0x1.344136p-2)) ;; 0.30103001
  (global $L10EL v128 (v128.const f32x4 -0x1.ec10cp-27 -0x1.ec10cp-27 -0x1.ec10cp-27 -0x1.ec10cp-27)) ;; -1.432098889e-08
  (global $L10H v128 (v128.const f32x4 0x1.bcb7b2p-1 0x1.bcb7b2p-1 0x1.bcb7b2p-1 0x1.bcb7b2p-1)) ;; 0.868588984
  (global $L10L v128 (v128.const f32x4 -0x1.74eeeap-26 -0x1.74eeeap-26 -0x1.74eeeap-26 -0x1.74eeeap-26)) ;; -2.170757285e-08
  ;; sin / cos
  (global $M_1_PIF v128 (v128.const f32x4 0x1.45f306p-2 0x1.45f306p-2 0x1.45f306p-2 0x1.45f306p-2)) ;; 1/pi
  (global $NPI_A2 v128 (v128.const f32x4 -0x1.921cp+1 -0x1.921cp+1 -0x1.921cp+1 -0x1.921cp+1)) ;; -3.1414794921875
  (global $NPI_B2 v128 (v128.const f32x4 -0x1.daap-14 -0x1.daap-14 -0x1.daap-14 -0x1.daap-14)) ;; -0.00011315941810607910156
  (global $NPI_C2 v128 (v128.const f32x4 -0x1.10b462p-29 -0x1.10b462p-29 -0x1.10b462p-29 -0x1.10b462p-29)) ;; -1.9841872589410058936e-09
  (global $NPI_A2H v128 (v128.const f32x4 -0x1.921cp+0 -0x1.921cp+0 -0x1.921cp+0 -0x1.921cp+0)) ;; -PI_A2 * 0.5
  (global $NPI_B2H v128 (v128.const f32x4 -0x1.daap-15 -0x1.daap-15 -0x1.daap-15 -0x1.daap-15)) ;; -PI_B2 * 0.5
  (global $NPI_C2H v128 (v128.const f32x4 -0x1.10b462p-30 -0x1.10b462p-30 -0x1.10b462p-30 -0x1.10b462p-30)) ;; -PI_C2 * 0.5
  (global $S0 v128 (v128.const f32x4 0x1.5e150ep-19 0x1.5e150ep-19 0x1.5e150ep-19 0x1.5e150ep-19)) ;; 2.6083159809786593541503e-06
  (global $S1 v128 (v128.const f32x4 -0x1.9f75d6p-13 -0x1.9f75d6p-13 -0x1.9f75d6p-13 -0x1.9f75d6p-13)) ;; -0.0001981069071916863322258
  (global $S2 v128 (v128.const f32x4 0x1.110eeep-7 0x1.110eeep-7 0x1.110eeep-7 0x1.110eeep-7)) ;; 0.00833307858556509017944336
  (global $S3 v128 (v128.const f32x4 -0x1.55554cp-3 -0x1.55554cp-3 -0x1.55554cp-3 -0x1.55554cp-3)) ;; -0.166666597127914428710938
  (global $TRIG_MAX v128 (v128.const f32x4 125 125 125 125))

  ;; ---- exact float32 fma ---------------------------------------------------------------------------

  ;; a*b + c for two double lanes holding float32 values, rounded to odd (fma.ts fma32 before fround)
  (func $fma_f64 (param $a v128) (param $b v128) (param $c v128) (result v128)
    (local $p v128) (local $s v128) (local $bs v128) (local $e v128) (local $need v128)
    (local.set $p (f64x2.mul (local.get $a) (local.get $b)))          ;; exact: 24 + 24 bits
    (local.set $s (f64x2.add (local.get $p) (local.get $c)))
    ;; TwoSum: e = (p + c) - s exactly
    (local.set $bs (f64x2.sub (local.get $s) (local.get $p)))
    (local.set $e (f64x2.add
      (f64x2.sub (local.get $p) (f64x2.sub (local.get $s) (local.get $bs)))
      (f64x2.sub (local.get $c) (local.get $bs))))
    ;; round to odd: where e != 0 (and is not NaN, i.e. s finite) and s's last bit is even, step one
    ;; ulp toward e: +1 on the bit pattern when e has s's sign, -1 when it has the other sign
    (local.set $need (v128.and
      (f64x2.gt (f64x2.abs (local.get $e)) (v128.const f64x2 0 0))
      (i64x2.eq (v128.and (local.get $s) (v128.const i64x2 1 1)) (v128.const i64x2 0 0))))
    (i64x2.add (local.get $s)
      (v128.and (local.get $need)
        (v128.or (i64x2.shr_s (v128.xor (local.get $s) (local.get $e)) (i32.const 63)) (v128.const i64x2 1 1)))))

  ;; lanes 2 and 3 of a float32 vector as doubles
  (func $hi (param $x v128) (result v128)
    (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x))))

  ;; fmaf(a, b, c) on four float32 lanes, rounded once
  (func $fma_exact (param $a v128) (param $b v128) (param $c v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero (call $fma_f64
        (f64x2.promote_low_f32x4 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $b)) (f64x2.promote_low_f32x4 (local.get $c))))
      (f32x4.demote_f64x2_zero (call $fma_f64 (call $hi (local.get $a)) (call $hi (local.get $b)) (call $hi (local.get $c))))))

  ;; double lanes s = RN(p + c) whose rounding to float32 may not be the fma's: the sum was inexact
  ;; and s is exactly on a float32 midpoint (the 29 bits below float32's last bit are 1000...0) or
  ;; below 2^-125. Inexact: by Fast2Sum, s - a == b exactly tells an exact sum for the larger
  ;; operand a, and for an exact sum both subtractions give the other operand back.
  (func $suspect (param $s v128) (param $p v128) (param $c v128) (result v128)
    (v128.andnot
      (v128.or
        (i64x2.eq (v128.and (local.get $s) (v128.const i64x2 0x1fffffff 0x1fffffff)) (v128.const i64x2 0x10000000 0x10000000))
        (f64x2.lt (f64x2.abs (local.get $s)) (v128.const f64x2 0x1p-125 0x1p-125)))
      (v128.and
        (f64x2.eq (f64x2.sub (local.get $s) (local.get $p)) (local.get $c))
        (f64x2.eq (f64x2.sub (local.get $s) (local.get $c)) (local.get $p)))))

  ;; fmaf(a, b, c) on four float32 lanes: the fast path (raises $tie where it may be off)
  (func $fma (param $a v128) (param $b v128) (param $c v128) (result v128)
    (local $plo v128) (local $clo v128) (local $slo v128) (local $phi v128) (local $chi v128) (local $shi v128)
    (local.set $plo (f64x2.mul (f64x2.promote_low_f32x4 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $b))))
    (local.set $clo (f64x2.promote_low_f32x4 (local.get $c)))
    (local.set $slo (f64x2.add (local.get $plo) (local.get $clo)))
    (local.set $phi (f64x2.mul (call $hi (local.get $a)) (call $hi (local.get $b))))
    (local.set $chi (call $hi (local.get $c)))
    (local.set $shi (f64x2.add (local.get $phi) (local.get $chi)))
    (global.set $tie (i32.or (global.get $tie) (v128.any_true (v128.or
      (call $suspect (local.get $slo) (local.get $plo) (local.get $clo))
      (call $suspect (local.get $shi) (local.get $phi) (local.get $chi))))))
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero (local.get $slo)) (f32x4.demote_f64x2_zero (local.get $shi))))

  ;; ---- small helpers ---------------------------------------------------------------------------

  ;; before each vector (or pair of vectors): clear $tie (nothing in the relaxed build, which never raises it)
  (func $clear_tie
    (global.set $tie (i32.const 0)))

  ;; whether the vector just computed raised $tie (kernels then redo it with the *_exact functions)
  (func $tied (result i32)
    (global.get $tie))

  ;; a where the mask m is set, else b; every mask here is whole lanes of 0 or -1 (comparison results)
  (func $select (param $a v128) (param $b v128) (param $m v128) (result v128)
    (v128.bitselect (local.get $a) (local.get $b) (local.get $m)))

  ;; float32 lanes to int32, truncating; used only where every lane that is not masked out later is
  ;; integral and in range (the relaxed build's truncation may differ elsewhere)
  (func $trunc (param $x v128) (result v128)
    (i32x4.trunc_sat_f32x4_s (local.get $x)))

  ;; 2^k as float32 for integer lanes k in [-126, 127]
  (func $pow2i (param $k v128) (result v128)
    (i32x4.shl (i32x4.add (local.get $k) (global.get $I127)) (i32.const 23)))

  ;; float32(u * 2^q) with a single rounding, as the JavaScript model's fr(u * 2 ** q), for expf's
  ;; operands: u in [0.7, 1.5) and integral q in [-152, 144] (NaN lanes are masked by the caller).
  ;; vldexp2's first product u * 2^(q>>1) is then a normal float32, exact: formed by adding q>>1 to
  ;; u's exponent field (one integer add, not a power of two and a multiply); the second one rounds once.
  (func $scale (param $u v128) (param $q v128) (result v128)
    (local $e v128) (local $h v128)
    (local.set $e (call $trunc (local.get $q)))
    (local.set $h (i32x4.shr_s (local.get $e) (i32.const 1)))
    (f32x4.mul (i32x4.add (local.get $u) (i32x4.shl (local.get $h) (i32.const 23)))
      (call $pow2i (i32x4.sub (local.get $e) (local.get $h)))))

  ;; ilogb2k: the unbiased exponent field of positive normal float32 lanes (integer lanes)
  (func $ilogb2k (param $d v128) (result v128)
    (i32x4.sub (v128.and (i32x4.shr_s (local.get $d) (i32.const 23)) (global.get $I255))
      (global.get $I127)))

  ;; vldexp2: d * 2^(e>>1) * 2^(e - (e>>1)), each product rounded (integer lanes e)
  (func $ldexp2 (param $d v128) (param $e v128) (result v128)
    (local $h v128)
    (local.set $h (i32x4.shr_s (local.get $e) (i32.const 1)))
    (f32x4.mul (f32x4.mul (local.get $d) (call $pow2i (local.get $h)))
      (call $pow2i (i32x4.sub (local.get $e) (local.get $h)))))

  ;; x with its sign flipped where s has the sign bit set
  (func $mulsign (param $x v128) (param $s v128) (result v128)
    (v128.xor (local.get $x) (v128.and (local.get $s) (global.get $SIGN))))

  ;; lanes that are -0.0
  (func $isnegzero (param $x v128) (result v128)
    (i32x4.eq (local.get $x) (global.get $SIGN)))

  ;; ---- double-float arithmetic (SLEEF df.h, FMA flavour): (hi, lo) pairs of float32 ---------------

  ;; dfadd2_vf2_vf_vf / dfadd2_vf2_vf2_vf (with lo part xl of x)
  (func $add2 (param $xh v128) (param $xl v128) (param $y v128) (result v128 v128)
    (local $s v128) (local $v v128)
    (local.set $s (f32x4.add (local.get $xh) (local.get $y)))
    (local.set $v (f32x4.sub (local.get $s) (local.get $xh)))
    (local.get $s)
    (f32x4.add (f32x4.add (f32x4.sub (local.get $xh) (f32x4.sub (local.get $s) (local.get $v)))
                          (f32x4.sub (local.get $y) (local.get $v)))
               (local.get $xl)))

  ;; dfadd2_vf2_vf2_vf2
  (func $add2dd (param $xh v128) (param $xl v128) (param $yh v128) (param $yl v128) (result v128 v128)
    (local $s v128) (local $v v128)
    (local.set $s (f32x4.add (local.get $xh) (local.get $yh)))
    (local.set $v (f32x4.sub (local.get $s) (local.get $xh)))
    (local.get $s)
    (f32x4.add (f32x4.add (f32x4.sub (local.get $xh) (f32x4.sub (local.get $s) (local.get $v)))
                          (f32x4.sub (local.get $yh) (local.get $v)))
               (f32x4.add (local.get $xl) (local.get $yl))))

  ;; dfadd_vf2_vf2_vf2 (|x| >= |y|)
  (func $addDD (param $xh v128) (param $xl v128) (param $yh v128) (param $yl v128) (result v128 v128)
    (local $s v128)
    (local.set $s (f32x4.add (local.get $xh) (local.get $yh)))
    (local.get $s)
    (f32x4.add (f32x4.add (f32x4.add (f32x4.sub (local.get $xh) (local.get $s)) (local.get $yh)) (local.get $xl)) (local.get $yl)))

  ;; dfmul_vf2_vf2_vf
  (func $mulDF (param $xh v128) (param $xl v128) (param $y v128) (result v128 v128)
    (local $s v128)
    (local.set $s (f32x4.mul (local.get $xh) (local.get $y)))
    (local.get $s)
    (call $fma (local.get $xl) (local.get $y) (call $fma (local.get $xh) (local.get $y) (f32x4.neg (local.get $s)))))

  ;; dfmul_vf2_vf2_vf2
  (func $mulDD (param $xh v128) (param $xl v128) (param $yh v128) (param $yl v128) (result v128 v128)
    (local $s v128)
    (local.set $s (f32x4.mul (local.get $xh) (local.get $yh)))
    (local.get $s)
    (call $fma (local.get $xh) (local.get $yl)
      (call $fma (local.get $xl) (local.get $yh) (call $fma (local.get $xh) (local.get $yh) (f32x4.neg (local.get $s))))))

  ;; dfdiv_vf2_vf2_vf2
  (func $divDD (param $nh v128) (param $nl v128) (param $dh v128) (param $dl v128) (result v128 v128)
    (local $t v128) (local $s v128) (local $u v128) (local $v v128)
    (local.set $t (f32x4.div (global.get $ONE) (local.get $dh)))
    (local.set $s (f32x4.mul (local.get $nh) (local.get $t)))
    (local.set $u (call $fma (local.get $t) (local.get $nh) (f32x4.neg (local.get $s))))
    (local.set $v (call $fma (f32x4.neg (local.get $dl)) (local.get $t)
      (call $fma (f32x4.neg (local.get $dh)) (local.get $t) (global.get $ONE))))
    (local.get $s)
    (call $fma (local.get $s) (local.get $v) (call $fma (local.get $nl) (local.get $t) (local.get $u))))

  ;; dfadd_vf2_vf2_vf rounded to float: (xh + y) + (((xh - (xh + y)) + y) + xl)
  (func $addToFloat (param $xh v128) (param $xl v128) (param $y v128) (result v128)
    (local $s v128)
    (local.set $s (f32x4.add (local.get $xh) (local.get $y)))
    (f32x4.add (local.get $s)
      (f32x4.add (f32x4.add (f32x4.sub (local.get $xh) (local.get $s)) (local.get $y)) (local.get $xl))))

  ;; ---- exp -----------------------------------------------------------------------------------------

  ;; Sleef_expf8_u10. SLEEF selects +inf above 100 and 0 below -104; here the lanes are clamped to
  ;; [-105, 100] first (pmin / pmax keep NaN lanes), with the same results and no selects: at 100 the
  ;; scaling overflows to +inf, and from -105 to -104 (q >= -152, in $scale's range) u * 2^q ~ e^d is
  ;; below e^-104 < 2^-150 (by 3%, and u is good to ~1e-7), half the least subnormal, so it rounds to 0.
  (func $expf (param $d v128) (result v128)
    (local $x v128) (local $q v128) (local $s v128) (local $u v128)
    (local.set $x (f32x4.pmax (f32x4.pmin (local.get $d) (global.get $EXP_HI)) (global.get $EXP_LO_CLAMP)))
    (local.set $q (f32x4.nearest (f32x4.mul (local.get $x) (global.get $R_LN2F))))
    (local.set $s (call $fma (local.get $q) (global.get $NL2UF) (local.get $x)))
    (local.set $s (call $fma (local.get $q) (global.get $NL2LF) (local.get $s)))
    (local.set $u (global.get $E0))
    (local.set $u (call $fma (local.get $u) (local.get $s) (global.get $E1)))
    (local.set $u (call $fma (local.get $u) (local.get $s) (global.get $E2)))
    (local.set $u (call $fma (local.get $u) (local.get $s) (global.get $E3)))
    (local.set $u (call $fma (local.get $u) (local.get $s) (global.get $E4)))
    (local.set $u (call $fma (local.get $u) (local.get $s) (global.get $HALF)))
    (local.set $u (f32x4.add (global.get $ONE)
      (call $fma (f32x4.mul (local.get $s) (local.get $s)) (local.get $u) (local.get $s))))
    (call $select (global.get $NAN) (call $scale (local.get $u) (local.get $q)) (f32x4.ne (local.get $d) (local.get $d))))

  ;; sigmoid's vectorised lambda: 1 / (1 + exp(-x))
  (func $sigmoidf (param $x v128) (result v128)
    (f32x4.div (global.get $ONE) (f32x4.add (global.get $ONE) (call $expf (f32x4.neg (local.get $x))))))

  ;; expk2f: e^(dh + dl) as a double-float
  (func $expk2f (param $dh v128) (param $dl v128) (result v128 v128)
    (local $q v128) (local $qi v128) (local $sh v128) (local $sl v128) (local $u v128)
    (local $th v128) (local $tl v128) (local $qh v128) (local $ql v128) (local $yh v128) (local $yl v128)
    (local $s1 v128) (local $r1 v128) (local $under v128)
    (local.set $q (f32x4.nearest (f32x4.mul (f32x4.add (local.get $dh) (local.get $dl)) (global.get $R_LN2F))))
    (call $add2 (local.get $dh) (local.get $dl) (f32x4.mul (local.get $q) (global.get $NL2UF)))
    (local.set $sl) (local.set $sh)
    (call $add2 (local.get $sh) (local.get $sl) (f32x4.mul (local.get $q) (global.get $NL2LF)))
    (local.set $sl) (local.set $sh)
    (local.set $u (global.get $K0))
    (local.set $u (call $fma (local.get $u) (local.get $sh) (global.get $K1)))
    (local.set $u (call $fma (local.get $u) (local.get $sh) (global.get $K2)))
    (local.set $u (call $fma (local.get $u) (local.get $sh) (global.get $K3)))
    (call $mulDF (local.get $sh) (local.get $sl) (local.get $u))
    (local.set $tl) (local.set $th)
    (call $add2 (local.get $th) (local.get $tl) (global.get $K4))
    (local.set $tl) (local.set $th)
    (call $mulDD (local.get $sh) (local.get $sl) (local.get $th) (local.get $tl))
    (local.set $tl) (local.set $th)
    (call $add2 (local.get $th) (local.get $tl) (global.get $HALF))
    (local.set $tl) (local.set $th)
    ;; dfsqu(s)
    (local.set $qh (f32x4.mul (local.get $sh) (local.get $sh)))
    (local.set $ql (call $fma (f32x4.add (local.get $sh) (local.get $sh)) (local.get $sl)
      (call $fma (local.get $sh) (local.get $sh) (f32x4.neg (local.get $qh)))))
    (call $mulDD (local.get $qh) (local.get $ql) (local.get $th) (local.get $tl))
    (local.set $yl) (local.set $yh)
    (call $add2dd (local.get $sh) (local.get $sl) (local.get $yh) (local.get $yl))
    (local.set $yl) (local.set $yh)
    ;; dfadd_vf2_vf_vf2(1, y)
    (local.set $s1 (f32x4.add (global.get $ONE) (local.get $yh)))
    (local.set $r1 (f32x4.add (f32x4.add (f32x4.sub (global.get $ONE) (local.get $s1)) (local.get $yh)) (local.get $yl)))
    (local.set $qi (call $trunc (local.get $q)))
    (local.set $under (f32x4.lt (local.get $dh) (global.get $EXP_LO)))
    (v128.andnot (call $ldexp2 (local.get $s1) (local.get $qi)) (local.get $under))
    (v128.andnot (call $ldexp2 (local.get $r1) (local.get $qi)) (local.get $under)))

  ;; Sleef_tanhf8_u10
  (func $tanhf (param $x v128) (result v128)
    (local $a v128) (local $dh v128) (local $dl v128) (local $s v128) (local $eh v128) (local $el v128)
    (local $nh v128) (local $nl v128) (local $ph v128) (local $pl v128) (local $y v128)
    (local.set $a (f32x4.abs (local.get $x)))
    (call $expk2f (local.get $a) (v128.const i32x4 0 0 0 0))
    (local.set $dl) (local.set $dh)
    ;; dfrec_vf2_vf2(d)
    (local.set $s (f32x4.div (global.get $ONE) (local.get $dh)))
    (local.set $eh (local.get $s))
    (local.set $el (f32x4.mul (local.get $s)
      (call $fma (f32x4.neg (local.get $dl)) (local.get $s)
        (call $fma (f32x4.neg (local.get $dh)) (local.get $s) (global.get $ONE)))))
    (call $addDD (local.get $dh) (local.get $dl) (f32x4.neg (local.get $eh)) (f32x4.neg (local.get $el)))
    (local.set $nl) (local.set $nh)
    (call $addDD (local.get $dh) (local.get $dl) (local.get $eh) (local.get $el))
    (local.set $pl) (local.set $ph)
    (call $divDD (local.get $nh) (local.get $nl) (local.get $ph) (local.get $pl))
    (local.set $y (f32x4.add))
    (local.set $y (call $select (global.get $ONE) (local.get $y)
      (v128.or (f32x4.gt (local.get $a) (global.get $TANH_MAX)) (f32x4.ne (local.get $y) (local.get $y)))))
    (call $select (global.get $NAN) (call $mulsign (local.get $y) (local.get $x)) (f32x4.ne (local.get $x) (local.get $x))))

  ;; Sleef_expm1f8_u10
  (func $expm1f (param $a v128) (result v128)
    (local $h v128) (local $l v128) (local $r v128)
    (call $expk2f (local.get $a) (v128.const i32x4 0 0 0 0))
    (local.set $l) (local.set $h)
    (call $add2 (local.get $h) (local.get $l) (f32x4.neg (global.get $ONE)))
    (local.set $r (f32x4.add))
    (local.set $r (call $select (global.get $INF) (local.get $r) (f32x4.gt (local.get $a) (global.get $EM1_HI))))
    (local.set $r (call $select (f32x4.neg (global.get $ONE)) (local.get $r) (f32x4.lt (local.get $a) (global.get $EM1_LO))))
    (local.set $r (call $select (local.get $a) (local.get $r) (call $isnegzero (local.get $a))))
    (call $select (global.get $NAN) (local.get $r) (f32x4.ne (local.get $a) (local.get $a))))

  ;; ---- logs ----------------------------------------------------------------------------------------

  ;; Sleef log argument reduction: returns e (integer lanes) and x = (m-1)/(m+1) as a double-float
  (func $logReduce (param $d v128) (result v128 v128 v128)
    (local $o v128) (local $e v128) (local $h v128) (local $m v128) (local $ah v128) (local $al v128) (local $bh v128) (local $bl v128)
    (local.set $o (f32x4.lt (local.get $d) (global.get $FLT_MIN)))
    (local.set $d (call $select (f32x4.mul (local.get $d) (global.get $TWO64)) (local.get $d) (local.get $o)))
    (local.set $e (call $ilogb2k (f32x4.mul (local.get $d) (global.get $R075))))
    ;; m = d * 2^-e (exact: a power-of-two scaling to a normal number), in two steps so 2^-127 is never needed
    (local.set $h (i32x4.shr_s (i32x4.neg (local.get $e)) (i32.const 1)))
    (local.set $m (f32x4.mul (f32x4.mul (local.get $d) (call $pow2i (local.get $h)))
      (call $pow2i (i32x4.sub (i32x4.neg (local.get $e)) (local.get $h)))))
    (call $add2 (f32x4.neg (global.get $ONE)) (v128.const i32x4 0 0 0 0) (local.get $m))
    (local.set $al) (local.set $ah)
    (call $add2 (global.get $ONE) (v128.const i32x4 0 0 0 0) (local.get $m))
    (local.set $bl) (local.set $bh)
    (i32x4.sub (local.get $e) (v128.and (local.get $o) (global.get $I64)))
    (call $divDD (local.get $ah) (local.get $al) (local.get $bh) (local.get $bl)))

  ;; the special values of logf / log2f / log10f over the computed r
  (func $logSpecial (param $d v128) (param $r v128) (result v128)
    (local.set $r (call $select (global.get $INF) (local.get $r) (f32x4.eq (local.get $d) (global.get $INF))))
    (local.set $r (call $select (f32x4.neg (global.get $INF)) (local.get $r) (f32x4.eq (local.get $d) (v128.const i32x4 0 0 0 0))))
    (call $select (global.get $NAN) (local.get $r)
      (v128.or (f32x4.ne (local.get $d) (local.get $d)) (f32x4.lt (local.get $d) (v128.const i32x4 0 0 0 0)))))

  ;; the shared tail of logf and log1pf: s + 2x + x^3 * poly(x^2), s the double-float e*ln2
  (func $logTail (param $sh v128) (param $sl v128) (param $xh v128) (param $xl v128) (result v128)
    (local $x2 v128) (local $t v128)
    (local.set $x2 (f32x4.mul (local.get $xh) (local.get $xh)))
    (local.set $t (global.get $LG0))
    (local.set $t (call $fma (local.get $t) (local.get $x2) (global.get $LG1)))
    (local.set $t (call $fma (local.get $t) (local.get $x2) (global.get $LG2)))
    (call $addDD (local.get $sh) (local.get $sl) (f32x4.mul (local.get $xh) (global.get $TWO)) (f32x4.mul (local.get $xl) (global.get $TWO)))
    (call $addToFloat (f32x4.mul (f32x4.mul (local.get $x2) (local.get $xh)) (local.get $t))))

  ;; Sleef_logf8_u10
  (func $logf (param $d v128) (result v128)
    (local $e v128) (local $xh v128) (local $xl v128) (local $sh v128) (local $sl v128)
    (call $logReduce (local.get $d))
    (local.set $xl) (local.set $xh) (local.set $e)
    (call $mulDF (global.get $L2_HI) (global.get $L2_LO) (f32x4.convert_i32x4_s (local.get $e)))
    (local.set $sl) (local.set $sh)
    (call $logSpecial (local.get $d) (call $logTail (local.get $sh) (local.get $sl) (local.get $xh) (local.get $xl))))

  ;; Sleef_log1pf8_u10
  (func $log1pf (param $d v128) (result v128)
    (local $dp1 v128) (local $o v128) (local $e v128) (local $t0 v128) (local $m v128) (local $q v128)
    (local $sh v128) (local $sl v128) (local $xh v128) (local $xl v128) (local $r v128)
    (local.set $dp1 (f32x4.add (local.get $d) (global.get $ONE)))
    (local.set $o (f32x4.lt (local.get $dp1) (global.get $FLT_MIN)))
    (local.set $dp1 (call $select (f32x4.mul (local.get $dp1) (global.get $TWO64)) (local.get $dp1) (local.get $o)))
    (local.set $e (call $ilogb2k (f32x4.mul (local.get $dp1) (global.get $R075))))
    (local.set $t0 (call $pow2i (i32x4.neg (local.get $e))))
    (local.set $m (call $fma (local.get $d) (local.get $t0) (f32x4.sub (local.get $t0) (global.get $ONE))))
    (local.set $e (i32x4.sub (local.get $e) (v128.and (local.get $o) (global.get $I64))))
    (call $mulDF (global.get $L2_HI) (global.get $L2_LO) (f32x4.convert_i32x4_s (local.get $e)))
    (local.set $sl) (local.set $sh)
    ;; dfadd_vf2_vf_vf(2, m)
    (local.set $q (f32x4.add (global.get $TWO) (local.get $m)))
    (call $divDD (local.get $m) (v128.const i32x4 0 0 0 0) (local.get $q)
      (f32x4.add (f32x4.sub (global.get $TWO) (local.get $q)) (local.get $m)))
    (local.set $xl) (local.set $xh)
    (local.set $r (call $logTail (local.get $sh) (local.get $sl) (local.get $xh) (local.get $xl)))
    (local.set $r (call $select (local.get $d) (local.get $r) (call $isnegzero (local.get $d))))
    (local.set $r (call $select (global.get $INF) (local.get $r) (f32x4.gt (local.get $d) (global.get $LOG1P_MAX))))
    (local.set $r (call $select (f32x4.neg (global.get $INF)) (local.get $r) (f32x4.eq (local.get $d) (f32x4.neg (global.get $ONE)))))
    (call $select (global.get $NAN) (local.get $r)
      (v128.or (f32x4.ne (local.get $d) (local.get $d)) (f32x4.lt (local.get $d) (f32x4.neg (global.get $ONE))))))

  ;; Sleef_log2f8_u10
  (func $log2f (param $d v128) (result v128)
    (local $e v128) (local $xh v128) (local $xl v128) (local $x2 v128) (local $t v128) (local $h v128) (local $l v128)
    (call $logReduce (local.get $d))
    (local.set $xl) (local.set $xh) (local.set $e)
    (local.set $x2 (f32x4.mul (local.get $xh) (local.get $xh)))
    (local.set $t (global.get $L2P0))
    (local.set $t (call $fma (local.get $t) (local.get $x2) (global.get $L2P1)))
    (local.set $t (call $fma (local.get $t) (local.get $x2) (global.get $L2P2)))
    (call $mulDD (local.get $xh) (local.get $xl) (global.get $L2H) (global.get $L2L))
    (local.set $l) (local.set $h)
    (call $add2 (f32x4.convert_i32x4_s (local.get $e)) (local.get $l) (local.get $h))
    (call $add2 (f32x4.mul (f32x4.mul (local.get $x2) (local.get $xh)) (local.get $t)))
    (local.set $l) (local.set $h)
    (call $logSpecial (local.get $d) (f32x4.add (local.get $h) (local.get $l))))

  ;; Sleef_log10f8_u10
  (func $log10f (param $d v128) (result v128)
    (local $e v128) (local $xh v128) (local $xl v128) (local $x2 v128) (local $t v128) (local $sh v128) (local $sl v128) (local $h v128) (local $l v128)
    (call $logReduce (local.get $d))
    (local.set $xl) (local.set $xh) (local.set $e)
    (local.set $x2 (f32x4.mul (local.get $xh) (local.get $xh)))
    (local.set $t (global.get $L10P0))
    (local.set $t (call $fma (local.get $t) (local.get $x2) (global.get $L10P1)))
    (local.set $t (call $fma (local.get $t) (local.get $x2) (global.get $L10P2)))
    (call $mulDF (global.get $L10EH) (global.get $L10EL) (f32x4.convert_i32x4_s (local.get $e)))
    (local.set $sl) (local.set $sh)
    (call $mulDD (local.get $xh) (local.get $xl) (global.get $L10H) (global.get $L10L))
    (local.set $l) (local.set $h)
    (call $addDD (local.get $sh) (local.get $sl) (local.get $h) (local.get $l))
    (local.set $l) (local.set $h)
    (call $logSpecial (local.get $d)
      (call $addToFloat (local.get $h) (local.get $l) (f32x4.mul (f32x4.mul (local.get $x2) (local.get $xh)) (local.get $t)))))

  ;; ---- sin / cos (|x| < 125; the caller computes larger or NaN lanes with libm) ----------------------

  ;; the shared tail of Sleef sinf/cosf u10: t*(1 + s*(S3 + u*s)) on the reduced argument (th, tl)
  (func $sinPoly (param $th v128) (param $tl v128) (result v128)
    (local $sh v128) (local $sl v128) (local $u v128) (local $w v128) (local $ah v128) (local $al v128)
    (local $h v128) (local $l v128) (local $xh v128) (local $xl v128)
    (local.set $sh (f32x4.mul (local.get $th) (local.get $th)))
    (local.set $sl (call $fma (f32x4.add (local.get $th) (local.get $th)) (local.get $tl)
      (call $fma (local.get $th) (local.get $th) (f32x4.neg (local.get $sh)))))
    (local.set $u (global.get $S0))
    (local.set $u (call $fma (local.get $u) (local.get $sh) (global.get $S1)))
    (local.set $u (call $fma (local.get $u) (local.get $sh) (global.get $S2)))
    ;; dfadd_vf2_vf_vf(S3, u * s.x)
    (local.set $w (f32x4.mul (local.get $u) (local.get $sh)))
    (local.set $ah (f32x4.add (global.get $S3) (local.get $w)))
    (local.set $al (f32x4.add (f32x4.sub (global.get $S3) (local.get $ah)) (local.get $w)))
    (call $mulDD (local.get $ah) (local.get $al) (local.get $sh) (local.get $sl))
    (local.set $l) (local.set $h)
    ;; dfadd_vf2_vf_vf2(1, .)
    (local.set $xh (f32x4.add (global.get $ONE) (local.get $h)))
    (local.set $xl (f32x4.add (f32x4.add (f32x4.sub (global.get $ONE) (local.get $xh)) (local.get $h)) (local.get $l)))
    (call $fma (local.get $th) (local.get $xh)
      (call $fma (local.get $tl) (local.get $xh) (f32x4.mul (local.get $th) (local.get $xl)))))

  ;; Sleef_sinf8_u10
  (func $sinf (param $d v128) (result v128)
    (local $u v128) (local $v v128) (local $h v128) (local $l v128) (local $r v128)
    (local.set $u (f32x4.nearest (f32x4.mul (local.get $d) (global.get $M_1_PIF))))
    (local.set $v (call $fma (local.get $u) (global.get $NPI_A2) (local.get $d)))
    (call $add2 (local.get $v) (v128.const i32x4 0 0 0 0) (f32x4.mul (local.get $u) (global.get $NPI_B2)))
    (local.set $l) (local.set $h)
    ;; dfadd_vf2_vf2_vf(s, u * -PI_C2)
    (local.set $v (f32x4.mul (local.get $u) (global.get $NPI_C2)))
    (local.set $r (f32x4.add (local.get $h) (local.get $v)))
    (local.set $r (call $sinPoly (local.get $r)
      (f32x4.add (f32x4.add (f32x4.sub (local.get $h) (local.get $r)) (local.get $v)) (local.get $l))))
    ;; odd u: negate
    (local.set $r (v128.xor (local.get $r)
      (i32x4.shl (call $trunc (local.get $u)) (i32.const 31))))
    (call $select (local.get $d) (local.get $r) (call $isnegzero (local.get $d))))

  ;; Sleef_cosf8_u10
  (func $cosf (param $d v128) (result v128)
    (local $dq v128) (local $h v128) (local $l v128) (local $r v128)
    (local.set $dq (call $fma (f32x4.nearest (call $fma (local.get $d) (global.get $M_1_PIF) (f32x4.neg (global.get $HALF))))
      (global.get $TWO) (global.get $ONE)))
    (call $add2 (local.get $d) (v128.const i32x4 0 0 0 0) (f32x4.mul (local.get $dq) (global.get $NPI_A2H)))
    (local.set $l) (local.set $h)
    (call $add2 (local.get $h) (local.get $l) (f32x4.mul (local.get $dq) (global.get $NPI_B2H)))
    (local.set $l) (local.set $h)
    (call $add2 (local.get $h) (local.get $l) (f32x4.mul (local.get $dq) (global.get $NPI_C2H)))
    (local.set $r (call $sinPoly))
    ;; (dq & 2) == 0: negate
    (v128.xor (local.get $r)
      (i32x4.shl (v128.andnot (v128.const i32x4 2 2 2 2) (call $trunc (local.get $dq))) (i32.const 30))))

  ;; ---- kernels ---------------------------------------------------------------------------------------

  ;; dst[i] = $lane(src[i]) for i < n, whole vectors (a vector that raised $tie is redone exactly).
  ;; Two vectors an iteration (two independent dependency chains for the out-of-order core, half the
  ;; loop overhead), then the odd last vector; nothing is touched past ceil(n/4) vectors.
  ;; A template: the `copy` lines above make $each_expf, ... with $lane = $expf, ...
  (func $each (param $src i32) (param $dst i32) (param $n i32)
    (local $end i32) (local $v v128) (local $w v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_s (i32.add (local.get $src) (i32.const 16)) (local.get $end)))
      (call $clear_tie)
      (local.set $v (call $lane (v128.load (local.get $src))))
      (local.set $w (call $lane (v128.load offset=16 (local.get $src))))
      (if (call $tied) (then
        (local.set $v (call $lane_exact (v128.load (local.get $src))))
        (local.set $w (call $lane_exact (v128.load offset=16 (local.get $src))))))
      (v128.store (local.get $dst) (local.get $v))
      (v128.store offset=16 (local.get $dst) (local.get $w))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (br $next)))
    (if (i32.lt_s (local.get $src) (local.get $end)) (then
      (call $clear_tie)
      (local.set $v (call $lane (v128.load (local.get $src))))
      (if (call $tied) (then (local.set $v (call $lane_exact (v128.load (local.get $src))))))
      (v128.store (local.get $dst) (local.get $v)))))

  ;; dst[i] = lane function `fn` (the table above) of src[i] for i < n
  (func (export "map") (param $fn i32) (param $src i32) (param $dst i32) (param $n i32)
    (call_indirect (type $each) (local.get $src) (local.get $dst) (local.get $n) (local.get $fn)))

  ;; dst[i] = fmaf(a[i], b[i], c[i]) (for tests: the fast path and its exact fallback)
  (func (export "fma3") (param $a i32) (param $b i32) (param $c i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end i32) (local $v v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (call $clear_tie)
      (local.set $v (call $fma (v128.load (i32.add (local.get $a) (local.get $i)))
        (v128.load (i32.add (local.get $b) (local.get $i))) (v128.load (i32.add (local.get $c) (local.get $i)))))
      (if (call $tied) (then
        (local.set $v (call $fma_exact (v128.load (i32.add (local.get $a) (local.get $i)))
          (v128.load (i32.add (local.get $b) (local.get $i))) (v128.load (i32.add (local.get $c) (local.get $i)))))))
      (v128.store (i32.add (local.get $dst) (local.get $i)) (local.get $v))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))

  ;; dst[i] = fmaf(al, y[i], x[i]) for the n/4 whole vectors (n a multiple of 4): the optimizers' update
  ;; (add(x, y, alpha=al)), one relaxed_madd per vector in the relaxed build. Reads and writes nothing
  ;; past n, so it runs in place on arena data.
  (func (export "axpy") (param $al f32) (param $y i32) (param $x i32) (param $dst i32) (param $n i32)
    (local $i i32) (local $end i32) (local $a v128) (local $v v128)
    (local.set $a (f32x4.splat (local.get $al)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (call $clear_tie)
      (local.set $v (call $fma (local.get $a) (v128.load (i32.add (local.get $y) (local.get $i))) (v128.load (i32.add (local.get $x) (local.get $i)))))
      (if (call $tied) (then
        (local.set $v (call $fma_exact (local.get $a)
          (v128.load (i32.add (local.get $y) (local.get $i))) (v128.load (i32.add (local.get $x) (local.get $i)))))))
      (v128.store (i32.add (local.get $dst) (local.get $i)) (local.get $v))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))

  ;; the reduce_all lane ops: max (NaN wins, else the larger; ties keep b) and float32 add. $op4 in the
  ;; templates below is one of them: the `copy` lines make the _max and _add copies
  (func $max4 (param $a v128) (param $b v128) (result v128)
    (call $select (local.get $a) (local.get $b)
      (v128.or (f32x4.ne (local.get $a) (local.get $a)) (f32x4.gt (local.get $a) (local.get $b)))))
  (func $add4 (param $a v128) (param $b v128) (result v128)
    (f32x4.add (local.get $a) (local.get $b)))
  (func $op1 (param $a f32) (param $b f32) (result f32)
    (f32x4.extract_lane 0 (call $op4 (f32x4.splat (local.get $a)) (f32x4.splat (local.get $b)))))

  ;; the end of reduce_all from its 8 lanes (lo, hi) after the whole groups of 8: the tail vectors t0, t1
  ;; merged into the lanes j < rem = n % 8, then the 128/64/32-bit tree
  (func $reduce_tail (param $lo v128) (param $hi v128) (param $t0 v128) (param $t1 v128) (param $rem i32) (result f32)
    (local $r v128) (local $v v128)
    (local.set $r (i32x4.splat (local.get $rem)))
    (local.set $lo (call $select (call $op4 (local.get $lo) (local.get $t0)) (local.get $lo)
      (i32x4.lt_s (v128.const i32x4 0 1 2 3) (local.get $r))))
    (local.set $hi (call $select (call $op4 (local.get $hi) (local.get $t1)) (local.get $hi)
      (i32x4.lt_s (v128.const i32x4 4 5 6 7) (local.get $r))))
    ;; op(acc[i], acc[i+4]), then op(op(v[0], v[2]), op(v[1], v[3]))
    (local.set $v (call $op4 (local.get $lo) (local.get $hi)))
    (local.set $v (call $op4 (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))
    (call $op1 (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v))))

  ;; vec::reduce_all over n float32 at src (nnMath.ts reduceAll): a sequential fold below 8 elements;
  ;; else 8 lanes, the partial tail merged into the first lanes, then the 128/64/32-bit tree
  (func $reduce_all (param $src i32) (param $n i32) (result f32)
    (local $acc f32) (local $i i32) (local $end i32) (local $lo v128) (local $hi v128)
    (if (i32.lt_s (local.get $n) (i32.const 8)) (then
      (local.set $acc (f32.load (local.get $src)))
      (local.set $i (i32.const 1))
      (block $done (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (call $op1 (local.get $acc) (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (return (local.get $acc))))
    (local.set $lo (v128.load (local.get $src)))
    (local.set $hi (v128.load offset=16 (local.get $src)))
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (local.set $src (i32.add (local.get $src) (i32.const 32)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $src) (local.get $end)))
      (local.set $lo (call $op4 (local.get $lo) (v128.load (local.get $src))))
      (local.set $hi (call $op4 (local.get $hi) (v128.load offset=16 (local.get $src))))
      (local.set $src (i32.add (local.get $src) (i32.const 32)))
      (br $next)))
    (call $reduce_tail (local.get $lo) (local.get $hi) (v128.load (local.get $src)) (v128.load offset=16 (local.get $src))
      (i32.and (local.get $n) (i32.const 7))))

  ;; reduce_all_max for softmax_row: its whole groups of 8 with f32x4.pmax(v, acc) = v < acc ? acc : v,
  ;; which is $max4(acc, v) (acc > v ? acc : v) on lanes without NaN, in one instruction, the NaN lanes
  ;; only noted; a row with NaN there (whose first NaN must win) is reduced again by reduce_all_max.
  (func $row_max (param $src i32) (param $n i32) (result f32)
    (local $p i32) (local $end i32) (local $lo v128) (local $hi v128) (local $v v128) (local $w v128) (local $nan v128)
    (if (i32.lt_s (local.get $n) (i32.const 8)) (then (return (call $reduce_all_max (local.get $src) (local.get $n)))))
    (local.set $lo (v128.load (local.get $src)))
    (local.set $hi (v128.load offset=16 (local.get $src)))
    (local.set $nan (v128.or (f32x4.ne (local.get $lo) (local.get $lo)) (f32x4.ne (local.get $hi) (local.get $hi))))
    (local.set $end (i32.add (local.get $src) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (local.set $p (i32.add (local.get $src) (i32.const 32)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $p) (local.get $end)))
      (local.set $v (v128.load (local.get $p)))
      (local.set $w (v128.load offset=16 (local.get $p)))
      (local.set $lo (f32x4.pmax (local.get $v) (local.get $lo)))
      (local.set $hi (f32x4.pmax (local.get $w) (local.get $hi)))
      (local.set $nan (v128.or (local.get $nan)
        (v128.or (f32x4.ne (local.get $v) (local.get $v)) (f32x4.ne (local.get $w) (local.get $w)))))
      (local.set $p (i32.add (local.get $p) (i32.const 32)))
      (br $next)))
    (if (v128.any_true (local.get $nan)) (then (return (call $reduce_all_max (local.get $src) (local.get $n)))))
    (call $reduce_tail_max (local.get $lo) (local.get $hi) (v128.load (local.get $p)) (v128.load offset=16 (local.get $p))
      (i32.and (local.get $n) (i32.const 7))))

  ;; exp(x - max) of the vector at p, also stored at q (a vector that raised $tie is redone exactly)
  (func $exp_at (param $p i32) (param $q i32) (param $max v128) (result v128)
    (local $x v128) (local $v v128)
    (local.set $x (f32x4.sub (v128.load (local.get $p)) (local.get $max)))
    (call $clear_tie)
    (local.set $v (call $expf (local.get $x)))
    (if (call $tied) (then (local.set $v (call $expf_exact (local.get $x)))))
    (v128.store (local.get $q) (local.get $v))
    (local.get $v))
  ;; the same, called (not inlined: the tail of a row, once or twice per row)
  (func $exp_at_called (param $p i32) (param $q i32) (param $max v128) (result v128)
    (call $exp_at (local.get $p) (local.get $q) (local.get $max)))

  ;; softmax / log_softmax along one contiguous row (see the header)
  (func (export "softmax_row") (param $src i32) (param $dst i32) (param $n i32) (param $log i32)
    (local $max v128) (local $sum f32) (local $rec v128) (local $i i32) (local $end i32) (local $whole i32) (local $rem i32)
    (local $lo v128) (local $hi v128) (local $t0 v128) (local $t1 v128)
    (local.set $max (f32x4.splat (call $row_max (local.get $src) (local.get $n))))
    ;; dst = exp(src - max), summed on the way as reduce_all_add would sum dst: 8 lanes from -0
    ;; (-0 + x is x for every x), over the whole groups of 8, then the tail (whole vectors: the last
    ;; one runs past the row by up to 3 elements)
    (local.set $whole (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2)))
    (local.set $rem (i32.and (local.get $n) (i32.const 7)))
    (local.set $lo (global.get $NEG0))
    (local.set $hi (global.get $NEG0))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $whole)))
      (local.set $lo (f32x4.add (local.get $lo)
        (call $exp_at (i32.add (local.get $src) (local.get $i)) (i32.add (local.get $dst) (local.get $i)) (local.get $max))))
      (local.set $hi (f32x4.add (local.get $hi)
        (call $exp_at (i32.add (local.get $src) (i32.add (local.get $i) (i32.const 16)))
          (i32.add (local.get $dst) (i32.add (local.get $i) (i32.const 16))) (local.get $max))))
      (local.set $i (i32.add (local.get $i) (i32.const 32)))
      (br $next)))
    (if (local.get $rem) (then
      (local.set $t0 (call $exp_at_called (i32.add (local.get $src) (local.get $whole)) (i32.add (local.get $dst) (local.get $whole)) (local.get $max)))))
    (if (i32.gt_u (local.get $rem) (i32.const 4)) (then
      (local.set $t1 (call $exp_at_called (i32.add (local.get $src) (i32.add (local.get $whole) (i32.const 16)))
        (i32.add (local.get $dst) (i32.add (local.get $whole) (i32.const 16))) (local.get $max)))))
    (if (i32.lt_s (local.get $n) (i32.const 8))
      (then (local.set $sum (call $reduce_all_add (local.get $dst) (local.get $n))))
      (else (local.set $sum (call $reduce_tail_add (local.get $lo) (local.get $hi) (local.get $t0) (local.get $t1) (local.get $rem)))))
    (global.set $row_max (f32x4.extract_lane 0 (local.get $max)))
    (global.set $row_sum (local.get $sum))
    (if (local.get $log) (then (return)))
    (local.set $rec (f32x4.splat (f32.div (f32.const 1) (local.get $sum))))
    ;; dst *= rec: two vectors an iteration, then the odd last one (nothing past ceil(n/4) vectors)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_s (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
      (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $dst)) (local.get $rec)))
      (v128.store offset=16 (local.get $dst) (f32x4.mul (v128.load offset=16 (local.get $dst)) (local.get $rec)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
      (br $next)))
    (if (i32.lt_s (local.get $dst) (local.get $end)) (then
      (v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $dst)) (local.get $rec))))))

  ;; log_softmax's last pass: dst = (src - max) - ls
  (func (export "log_softmax_tail") (param $src i32) (param $dst i32) (param $n i32) (param $max f32) (param $ls f32)
    (local $m v128) (local $l v128) (local $i i32) (local $end i32)
    (local.set $m (f32x4.splat (local.get $max)))
    (local.set $l (f32x4.splat (local.get $ls)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $end)))
      (v128.store (i32.add (local.get $dst) (local.get $i))
        (f32x4.sub (f32x4.sub (v128.load (i32.add (local.get $src) (local.get $i))) (local.get $m)) (local.get $l)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next))))
)
