;; float32 elementwise and cascade-sum kernels (WebAssembly SIMD, 128-bit), compiled by the build into
;; elementwise.gen.ts. They run on the storage arena (engine/backends/cpu/alloc.ts): operands and
;; results are float32 arrays inside this shared memory, addressed by byte offsets.
;;
;; Bit-exact with the JavaScript loops of elementwise.ts / reduce.ts: an f32x4 add/sub/mul/div is the
;; IEEE float32 operation per lane, which is what JavaScript's double operation rounded to float32 gives
;; for float32 operands (no double-rounding error for + - * /). No fused multiply-add anywhere (axpy
;; forms its fused multiply-add in double lanes and hands the few elements that could round differently
;; back to the caller).
;; inline: $axpy_flags
(module
  (import "env" "memory" (memory 1 32768 shared))

  ;; ---- binary arithmetic: vector ∘ vector ---------------------------------------------------------

  ;; o[i] = a[i] add b[i], i < n
  (func (export "add") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.add (v128.load align=4 (local.get $a)) (v128.load align=4 (local.get $b))))
      (v128.store offset=16 align=4 (local.get $o)
        (f32x4.add (v128.load offset=16 align=4 (local.get $a)) (v128.load offset=16 align=4 (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.add (f32.load (local.get $a)) (f32.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = a[i] sub b[i], i < n
  (func (export "sub") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.sub (v128.load align=4 (local.get $a)) (v128.load align=4 (local.get $b))))
      (v128.store offset=16 align=4 (local.get $o)
        (f32x4.sub (v128.load offset=16 align=4 (local.get $a)) (v128.load offset=16 align=4 (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.sub (f32.load (local.get $a)) (f32.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = a[i] mul b[i], i < n
  (func (export "mul") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.mul (v128.load align=4 (local.get $a)) (v128.load align=4 (local.get $b))))
      (v128.store offset=16 align=4 (local.get $o)
        (f32x4.mul (v128.load offset=16 align=4 (local.get $a)) (v128.load offset=16 align=4 (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.mul (f32.load (local.get $a)) (f32.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = a[i] div b[i], i < n
  (func (export "div") (param $a i32) (param $b i32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.div (v128.load align=4 (local.get $a)) (v128.load align=4 (local.get $b))))
      (v128.store offset=16 align=4 (local.get $o)
        (f32x4.div (v128.load offset=16 align=4 (local.get $a)) (v128.load offset=16 align=4 (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.div (f32.load (local.get $a)) (f32.load (local.get $b))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; ---- binary arithmetic with one single-value operand (s, a float32) ------------------------------

  ;; o[i] = a[i] add s, i < n
  (func (export "adds") (param $a i32) (param $s f32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.add (v128.load align=4 (local.get $a)) (local.get $v)))
      (v128.store offset=16 align=4 (local.get $o) (f32x4.add (v128.load offset=16 align=4 (local.get $a)) (local.get $v)))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.add (f32.load (local.get $a)) (local.get $s)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = a[i] sub s, i < n
  (func (export "subs") (param $a i32) (param $s f32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.sub (v128.load align=4 (local.get $a)) (local.get $v)))
      (v128.store offset=16 align=4 (local.get $o) (f32x4.sub (v128.load offset=16 align=4 (local.get $a)) (local.get $v)))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.sub (f32.load (local.get $a)) (local.get $s)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = s sub a[i], i < n
  (func (export "rsubs") (param $a i32) (param $s f32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.sub (local.get $v) (v128.load align=4 (local.get $a))))
      (v128.store offset=16 align=4 (local.get $o) (f32x4.sub (local.get $v) (v128.load offset=16 align=4 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.sub (local.get $s) (f32.load (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = a[i] mul s, i < n
  (func (export "muls") (param $a i32) (param $s f32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.mul (v128.load align=4 (local.get $a)) (local.get $v)))
      (v128.store offset=16 align=4 (local.get $o) (f32x4.mul (v128.load offset=16 align=4 (local.get $a)) (local.get $v)))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.mul (f32.load (local.get $a)) (local.get $s)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = a[i] div s, i < n
  (func (export "divs") (param $a i32) (param $s f32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.div (v128.load align=4 (local.get $a)) (local.get $v)))
      (v128.store offset=16 align=4 (local.get $o) (f32x4.div (v128.load offset=16 align=4 (local.get $a)) (local.get $v)))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.div (f32.load (local.get $a)) (local.get $s)))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = s div a[i], i < n
  (func (export "rdivs") (param $a i32) (param $s f32) (param $o i32) (param $n i32)
    (local $end i32) (local $end8 i32) (local $v v128)
    (local.set $v (f32x4.splat (local.get $s)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end8 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end8)))
      (v128.store align=4 (local.get $o) (f32x4.div (local.get $v) (v128.load align=4 (local.get $a))))
      (v128.store offset=16 align=4 (local.get $o) (f32x4.div (local.get $v) (v128.load offset=16 align=4 (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 32)))
      (local.set $o (i32.add (local.get $o) (i32.const 32)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (f32.div (local.get $s) (f32.load (local.get $a))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

;; ---- fills and copies (typed-array fill/set on shared memory go element by element) -------------

  ;; bytes [o, o + bytes) = 0
  (func (export "zero") (param $o i32) (param $bytes i32)
    (memory.fill (local.get $o) (i32.const 0) (local.get $bytes)))

  ;; bytes [dst, dst + bytes) = [src, src + bytes) (overlap allowed)
  (func (export "copy") (param $src i32) (param $dst i32) (param $bytes i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $bytes)))

  ;; o[i] = v, i < n (float32)
  (func (export "fill") (param $o i32) (param $n i32) (param $v f32)
    (local $end i32) (local $end4 i32) (local $vv v128)
    (local.set $vv (f32x4.splat (local.get $v)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store align=4 (local.get $o) (local.get $vv))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o) (local.get $v))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; ---- activations and the optimizers' update ----------------------------------------------------

  ;; o[i] = a[i] < 0 ? 0 : a[i], i < n (NaN and -0 pass through: relu's JavaScript kernel)
  (func (export "relu") (param $a i32) (param $o i32) (param $n i32)
    (local $end i32) (local $end4 i32) (local $v v128) (local $f f32)
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (local.set $v (v128.load align=4 (local.get $a)))
      (v128.store align=4 (local.get $o) (v128.andnot (local.get $v) (f32x4.lt (local.get $v) (v128.const f32x4 0 0 0 0))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (local.set $f (f32.load (local.get $a)))
      (f32.store (local.get $o) (select (f32.const 0) (local.get $f) (f32.lt (local.get $f) (f32.const 0))))
      (local.set $a (i32.add (local.get $a) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; o[i] = x[i] <= th ? 0 : g[i], i < n (threshold_backward: relu's derivative; NaN x keeps g)
  (func (export "threshold_bw") (param $g i32) (param $x i32) (param $o i32) (param $n i32) (param $th f32)
    (local $end i32) (local $end4 i32) (local $thv v128)
    (local.set $thv (f32x4.splat (local.get $th)))
    (local.set $end (i32.add (local.get $o) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end4 (i32.add (local.get $o) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end4)))
      (v128.store align=4 (local.get $o)
        (v128.andnot (v128.load align=4 (local.get $g)) (f32x4.le (v128.load align=4 (local.get $x)) (local.get $thv))))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (f32.store (local.get $o)
        (select (f32.const 0) (f32.load (local.get $g)) (f32.le (f32.load (local.get $x)) (local.get $th))))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (br $next))))

  ;; Lanes of a double sum whose rounding to float32 is not that of the exact value (random/fma.ts
  ;; axpy32): on a float32 midpoint (low 29 significand bits 1000…0), or below float32's normal range
  ;; (and not 0), or NaN.
  (func $axpy_flags (param $s v128) (result v128)
    (v128.or
      (i64x2.eq (v128.and (local.get $s) (v128.const i64x2 0x1fffffff 0x1fffffff)) (v128.const i64x2 0x10000000 0x10000000))
      (v128.andnot (f64x2.ne (local.get $s) (v128.const f64x2 0 0))
        (f64x2.ge (f64x2.abs (local.get $s)) (v128.const f64x2 0x1p-126 0x1p-126)))))

  ;; o[i] = fmaf(al, y[i], x[i]) for float32 al, y, x (al*y is exact in a double; the sum is rounded
  ;; once in double, then to float32), from i = 0 up to the first element whose double sum $axpy_flags
  ;; marks: returns its index, unwritten (n when there is none); the caller forms it exactly and goes on
  ;; after it. Bit for bit random/fma.ts axpy32.
  (func (export "axpy") (param $al f64) (param $y i32) (param $x i32) (param $o i32) (param $n i32) (result i32)
    (local $i i32) (local $n4 i32) (local $alv v128) (local $yv v128) (local $xv v128) (local $lo v128) (local $hi v128) (local $s f64)
    (local.set $alv (f64x2.splat (local.get $al)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (block $scalar (loop $next
      (br_if $scalar (i32.ge_u (local.get $i) (local.get $n4)))
      (local.set $yv (v128.load align=4 (local.get $y)))
      (local.set $xv (v128.load align=4 (local.get $x)))
      (local.set $lo (f64x2.add (f64x2.mul (local.get $alv) (f64x2.promote_low_f32x4 (local.get $yv)))
        (f64x2.promote_low_f32x4 (local.get $xv))))
      (local.set $hi (f64x2.add
        (f64x2.mul (local.get $alv) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $yv) (local.get $yv))))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $xv) (local.get $xv)))))
      (br_if $scalar (v128.any_true (v128.or (call $axpy_flags (local.get $lo)) (call $axpy_flags (local.get $hi)))))
      (v128.store align=4 (local.get $o)
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (local.get $lo)) (f32x4.demote_f64x2_zero (local.get $hi))))
      (local.set $y (i32.add (local.get $y) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (f64.add (f64.mul (local.get $al) (f64.promote_f32 (f32.load (local.get $y)))) (f64.promote_f32 (f32.load (local.get $x)))))
      (if (i32.or
            (i64.eq (i64.and (i64.reinterpret_f64 (local.get $s)) (i64.const 0x1fffffff)) (i64.const 0x10000000))
            (i32.and (f64.ne (local.get $s) (f64.const 0)) (i32.eqz (f64.ge (f64.abs (local.get $s)) (f64.const 0x1p-126)))))
        (then (return (local.get $i))))
      (f32.store (local.get $o) (f32.demote_f64 (local.get $s)))
      (local.set $y (i32.add (local.get $y) (i32.const 4)))
      (local.set $x (i32.add (local.get $x) (i32.const 4)))
      (local.set $o (i32.add (local.get $o) (i32.const 4)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $n))

  ;; ---- cascade sum (reduce.ts cascadeColumns with 32 columns, float32) -----------------------------
  ;;
  ;; Rows i0 <= i < size of 32 adjacent float32 columns at src + rsb*i (rsb: the row stride in bytes). The state block st holds the
  ;; four partial-sum levels a0..a3 of every column (st + 128*level + 4*column), and is read and written
  ;; back, so a range can continue another. Level 0 lives in registers; every step = 2^lp rows it is
  ;; added into level 1, level 1 into level 2 when i is a multiple of step^2, level 2 into level 3 when
  ;; i is a multiple of step^3 (i counts rows from the start of the whole column): the same additions,
  ;; in the same order, as cascadeColumns.
  (func (export "cascade32") (param $src i32) (param $i i32) (param $size i32) (param $lp i32) (param $st i32) (param $rsb i32)
    (local $step i32) (local $m1 i32) (local $m2 i32) (local $p i32) (local $j i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    (local.set $step (i32.shl (i32.const 1) (local.get $lp)))
    (local.set $m1 (i32.shl (i32.sub (local.get $step) (i32.const 1)) (local.get $lp)))
    (local.set $m2 (i32.shl (i32.sub (local.get $step) (i32.const 1)) (i32.shl (local.get $lp) (i32.const 1))))
    (local.set $p (i32.add (local.get $src) (i32.mul (local.get $i) (local.get $rsb))))
    (local.set $x0 (v128.load offset=0 (local.get $st)))
    (local.set $x1 (v128.load offset=16 (local.get $st)))
    (local.set $x2 (v128.load offset=32 (local.get $st)))
    (local.set $x3 (v128.load offset=48 (local.get $st)))
    (local.set $x4 (v128.load offset=64 (local.get $st)))
    (local.set $x5 (v128.load offset=80 (local.get $st)))
    (local.set $x6 (v128.load offset=96 (local.get $st)))
    (local.set $x7 (v128.load offset=112 (local.get $st)))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $i) (local.get $step)) (local.get $size)))
      (local.set $j (local.get $step))
      (loop $rows
        (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 align=4 (local.get $p))))
        (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 align=4 (local.get $p))))
        (local.set $x2 (f32x4.add (local.get $x2) (v128.load offset=32 align=4 (local.get $p))))
        (local.set $x3 (f32x4.add (local.get $x3) (v128.load offset=48 align=4 (local.get $p))))
        (local.set $x4 (f32x4.add (local.get $x4) (v128.load offset=64 align=4 (local.get $p))))
        (local.set $x5 (f32x4.add (local.get $x5) (v128.load offset=80 align=4 (local.get $p))))
        (local.set $x6 (f32x4.add (local.get $x6) (v128.load offset=96 align=4 (local.get $p))))
        (local.set $x7 (f32x4.add (local.get $x7) (v128.load offset=112 align=4 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $rsb)))
        (local.set $j (i32.sub (local.get $j) (i32.const 1)))
        (br_if $rows (local.get $j)))
      (local.set $i (i32.add (local.get $i) (local.get $step)))
      ;; a1 += a0; a0 = 0
      (v128.store offset=128 (local.get $st) (f32x4.add (v128.load offset=128 (local.get $st)) (local.get $x0)))
      (local.set $x0 (v128.const i32x4 0 0 0 0))
      (v128.store offset=144 (local.get $st) (f32x4.add (v128.load offset=144 (local.get $st)) (local.get $x1)))
      (local.set $x1 (v128.const i32x4 0 0 0 0))
      (v128.store offset=160 (local.get $st) (f32x4.add (v128.load offset=160 (local.get $st)) (local.get $x2)))
      (local.set $x2 (v128.const i32x4 0 0 0 0))
      (v128.store offset=176 (local.get $st) (f32x4.add (v128.load offset=176 (local.get $st)) (local.get $x3)))
      (local.set $x3 (v128.const i32x4 0 0 0 0))
      (v128.store offset=192 (local.get $st) (f32x4.add (v128.load offset=192 (local.get $st)) (local.get $x4)))
      (local.set $x4 (v128.const i32x4 0 0 0 0))
      (v128.store offset=208 (local.get $st) (f32x4.add (v128.load offset=208 (local.get $st)) (local.get $x5)))
      (local.set $x5 (v128.const i32x4 0 0 0 0))
      (v128.store offset=224 (local.get $st) (f32x4.add (v128.load offset=224 (local.get $st)) (local.get $x6)))
      (local.set $x6 (v128.const i32x4 0 0 0 0))
      (v128.store offset=240 (local.get $st) (f32x4.add (v128.load offset=240 (local.get $st)) (local.get $x7)))
      (local.set $x7 (v128.const i32x4 0 0 0 0))
      (br_if $next (i32.and (local.get $i) (local.get $m1)))
      ;; a2 += a1; a1 = 0
      (call $flush (local.get $st) (i32.const 128))
      (br_if $next (i32.and (local.get $i) (local.get $m2)))
      ;; a3 += a2; a2 = 0
      (call $flush (local.get $st) (i32.const 256))
      (br $next)))
    ;; the rows after the last whole step
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $size)))
      (local.set $x0 (f32x4.add (local.get $x0) (v128.load offset=0 align=4 (local.get $p))))
      (local.set $x1 (f32x4.add (local.get $x1) (v128.load offset=16 align=4 (local.get $p))))
      (local.set $x2 (f32x4.add (local.get $x2) (v128.load offset=32 align=4 (local.get $p))))
      (local.set $x3 (f32x4.add (local.get $x3) (v128.load offset=48 align=4 (local.get $p))))
      (local.set $x4 (f32x4.add (local.get $x4) (v128.load offset=64 align=4 (local.get $p))))
      (local.set $x5 (f32x4.add (local.get $x5) (v128.load offset=80 align=4 (local.get $p))))
      (local.set $x6 (f32x4.add (local.get $x6) (v128.load offset=96 align=4 (local.get $p))))
      (local.set $x7 (f32x4.add (local.get $x7) (v128.load offset=112 align=4 (local.get $p))))
      (local.set $p (i32.add (local.get $p) (local.get $rsb)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (v128.store offset=0 (local.get $st) (local.get $x0))
    (v128.store offset=16 (local.get $st) (local.get $x1))
    (v128.store offset=32 (local.get $st) (local.get $x2))
    (v128.store offset=48 (local.get $st) (local.get $x3))
    (v128.store offset=64 (local.get $st) (local.get $x4))
    (v128.store offset=80 (local.get $st) (local.get $x5))
    (v128.store offset=96 (local.get $st) (local.get $x6))
    (v128.store offset=112 (local.get $st) (local.get $x7))
  )

  ;; level (from/128 + 1) += level (from/128); level (from/128) = 0, for the 32 columns of state st
  (func $flush (param $st i32) (param $from i32)
    (local $p i32) (local $k i32)
    (local.set $p (i32.add (local.get $st) (local.get $from)))
    (local.set $k (i32.const 0))
    (loop $next
      (v128.store offset=128 (local.get $p) (f32x4.add (v128.load offset=128 (local.get $p)) (v128.load (local.get $p))))
      (v128.store (local.get $p) (v128.const i32x4 0 0 0 0))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $k) (i32.const 8)))))
)
