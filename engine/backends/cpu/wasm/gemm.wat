;; float32 matrix product kernels (WebAssembly SIMD, 128-bit), compiled by the build into gemm.gen.ts.
;;
;; Bit-exact with the reference BLAS that PyTorch 1.13 (Debian) calls: every output element is a
;; sequential float32 sum over k, c = c + a*b with the product and the sum each rounded to float32
;; (f32x4.mul then f32x4.add, never a fused multiply-add). SIMD runs across 8 output columns and the
;; register tile holds 4 rows, so each lane keeps its own element's k order.
;;
;; C (M×N, row-major, row stride ldc elements) = [C +] A (M×K) · B (K×N). A and B are first packed:
;;   A into micro-panels of 4 rows:  Ap + 16*(ip*K + l) + 4*r = A(4*ip + r, l)   (rows >= M are 0)
;;   B into panels of 8 columns:     Bp + 32*(jp*K + l) + 4*c = B(l, 8*jp + c)   (cols >= N are 0)
;; so every layout (A·B, Aᵀ·B, A·Bᵀ) runs the same inner loop; packing reads any strides.
;; All addresses are byte offsets into the shared memory; strides are in elements.
;; inline: $store_t4
(module
  (import "env" "memory" (memory 1 32768 shared))

  ;; ---- packing ---------------------------------------------------------------------------------

  ;; The 4×4 block whose rows are r0..r3 (4 float32 each), transposed: column j (r0[j], r1[j], r2[j],
  ;; r3[j]) stored at dst + j*stride.
  (func $store_t4 (param $dst i32) (param $stride i32) (param $r0 v128) (param $r1 v128) (param $r2 v128) (param $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
    (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
    (local.set $t2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
    (v128.store align=4 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
    (v128.store align=4 (i32.add (local.get $dst) (local.get $stride))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
    (v128.store align=4 (i32.add (local.get $dst) (i32.shl (local.get $stride) (i32.const 1)))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t2) (local.get $t3)))
    (v128.store align=4 (i32.add (local.get $dst) (i32.mul (local.get $stride) (i32.const 3)))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t2) (local.get $t3))))

  ;; A(i, l) at src + 4*(i*rs + l*cs), M×K, into 4-row micro-panels at dst.
  (func $pack_a (export "pack_a")
    (param $src i32) (param $rs i32) (param $cs i32) (param $m i32) (param $k i32) (param $dst i32)
    (local $ip i32) (local $r i32) (local $i i32) (local $l i32) (local $p i32) (local $q i32)
    (local $rsb i32) (local $csb i32) (local $mp i32) (local $l0 i32)
    (local.set $rsb (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csb (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $mp (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)))
    (local.set $ip (i32.const 0))
    (block $done_ip (loop $next_ip
      (br_if $done_ip (i32.ge_u (local.get $ip) (local.get $mp)))
      (local.set $q (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $ip) (local.get $k)) (i32.const 4))))
      (if (i32.and (i32.eq (local.get $rs) (i32.const 1))
                   (i32.le_u (i32.shl (i32.add (local.get $ip) (i32.const 1)) (i32.const 2)) (local.get $m)))
        (then
          ;; column-major source, 4 full rows: one vector per l
          (local.set $p (i32.add (local.get $src) (i32.shl (local.get $ip) (i32.const 4))))
          (local.set $l (i32.const 0))
          (block $done_l (loop $next_l
            (br_if $done_l (i32.ge_u (local.get $l) (local.get $k)))
            (v128.store (local.get $q) (v128.load align=4 (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $csb)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $next_l))))
        (else
          ;; row-major source, 4 full rows: 4×4 blocks (4 rows × 4 consecutive l) transposed in registers
          (local.set $l (i32.const 0))
          (if (i32.and (i32.eq (local.get $cs) (i32.const 1))
                       (i32.le_u (i32.shl (i32.add (local.get $ip) (i32.const 1)) (i32.const 2)) (local.get $m)))
            (then
              (local.set $p (i32.add (local.get $src) (i32.mul (i32.shl (local.get $ip) (i32.const 2)) (local.get $rsb))))
              (block $done_l (loop $next_l
                (br_if $done_l (i32.gt_u (i32.add (local.get $l) (i32.const 4)) (local.get $k)))
                (call $store_t4 (i32.add (local.get $q) (i32.shl (local.get $l) (i32.const 4))) (i32.const 16)
                  (v128.load align=4 (local.get $p))
                  (v128.load align=4 (i32.add (local.get $p) (local.get $rsb)))
                  (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $rsb) (i32.const 1))))
                  (v128.load align=4 (i32.add (local.get $p) (i32.mul (local.get $rsb) (i32.const 3)))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $l (i32.add (local.get $l) (i32.const 4)))
                (br $next_l)))))
          (local.set $l0 (local.get $l))
          ;; the rest (every l of other layouts, or the last k % 4 of the row-major one): one element at a time
          (local.set $r (i32.const 0))
          (block $done_r (loop $next_r
            (br_if $done_r (i32.ge_u (local.get $r) (i32.const 4)))
            (local.set $i (i32.add (i32.shl (local.get $ip) (i32.const 2)) (local.get $r)))
            (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (local.get $i) (local.get $rsb)) (i32.mul (local.get $l0) (local.get $csb)))))
            (local.set $l (local.get $l0))
            (block $done_l (loop $next_l
              (br_if $done_l (i32.ge_u (local.get $l) (local.get $k)))
              (f32.store
                (i32.add (local.get $q) (i32.add (i32.shl (local.get $l) (i32.const 4)) (i32.shl (local.get $r) (i32.const 2))))
                (if (result f32) (i32.lt_u (local.get $i) (local.get $m))
                  (then (f32.load (local.get $p)))
                  (else (f32.const 0))))
              (local.set $p (i32.add (local.get $p) (local.get $csb)))
              (local.set $l (i32.add (local.get $l) (i32.const 1)))
              (br $next_l)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $next_r)))))
      (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
      (br $next_ip))))

  ;; B(l, j) at src + 4*(l*rs + j*cs), K×N, into 8-column panels at dst.
  (func $pack_b (export "pack_b")
    (param $src i32) (param $rs i32) (param $cs i32) (param $k i32) (param $n i32) (param $dst i32)
    (local $jp i32) (local $c i32) (local $j i32) (local $l i32) (local $p i32) (local $q i32)
    (local $rsb i32) (local $csb i32) (local $np i32) (local $l0 i32) (local $d i32)
    (local.set $rsb (i32.shl (local.get $rs) (i32.const 2)))
    (local.set $csb (i32.shl (local.get $cs) (i32.const 2)))
    (local.set $np (i32.shr_u (i32.add (local.get $n) (i32.const 7)) (i32.const 3)))
    (local.set $jp (i32.const 0))
    (block $done_jp (loop $next_jp
      (br_if $done_jp (i32.ge_u (local.get $jp) (local.get $np)))
      (local.set $q (i32.add (local.get $dst) (i32.shl (i32.mul (local.get $jp) (local.get $k)) (i32.const 5))))
      (if (i32.and (i32.eq (local.get $cs) (i32.const 1))
                   (i32.le_u (i32.shl (i32.add (local.get $jp) (i32.const 1)) (i32.const 3)) (local.get $n)))
        (then
          ;; row-major source, 8 full columns: two vectors per l
          (local.set $p (i32.add (local.get $src) (i32.shl (local.get $jp) (i32.const 5))))
          (local.set $l (i32.const 0))
          (block $done_l (loop $next_l
            (br_if $done_l (i32.ge_u (local.get $l) (local.get $k)))
            (v128.store (local.get $q) (v128.load align=4 (local.get $p)))
            (v128.store offset=16 (local.get $q) (v128.load offset=16 align=4 (local.get $p)))
            (local.set $p (i32.add (local.get $p) (local.get $rsb)))
            (local.set $q (i32.add (local.get $q) (i32.const 32)))
            (local.set $l (i32.add (local.get $l) (i32.const 1)))
            (br $next_l))))
        (else
          ;; column-major source, 8 full columns: two 4×4 blocks (4 columns × 4 consecutive l) per 4 l,
          ;; transposed in registers
          (local.set $l (i32.const 0))
          (if (i32.and (i32.eq (local.get $rs) (i32.const 1))
                       (i32.le_u (i32.shl (i32.add (local.get $jp) (i32.const 1)) (i32.const 3)) (local.get $n)))
            (then
              (local.set $p (i32.add (local.get $src) (i32.mul (i32.shl (local.get $jp) (i32.const 3)) (local.get $csb))))
              (block $done_l (loop $next_l
                (br_if $done_l (i32.gt_u (i32.add (local.get $l) (i32.const 4)) (local.get $k)))
                (local.set $d (i32.add (local.get $q) (i32.shl (local.get $l) (i32.const 5))))
                (call $store_t4 (local.get $d) (i32.const 32)
                  (v128.load align=4 (local.get $p))
                  (v128.load align=4 (i32.add (local.get $p) (local.get $csb)))
                  (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $csb) (i32.const 1))))
                  (v128.load align=4 (i32.add (local.get $p) (i32.mul (local.get $csb) (i32.const 3)))))
                (call $store_t4 (i32.add (local.get $d) (i32.const 16)) (i32.const 32)
                  (v128.load align=4 (i32.add (local.get $p) (i32.shl (local.get $csb) (i32.const 2))))
                  (v128.load align=4 (i32.add (local.get $p) (i32.mul (local.get $csb) (i32.const 5))))
                  (v128.load align=4 (i32.add (local.get $p) (i32.mul (local.get $csb) (i32.const 6))))
                  (v128.load align=4 (i32.add (local.get $p) (i32.mul (local.get $csb) (i32.const 7)))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
                (local.set $l (i32.add (local.get $l) (i32.const 4)))
                (br $next_l)))))
          (local.set $l0 (local.get $l))
          ;; the rest, one column at a time (sequential reads when the source is column-major)
          (local.set $c (i32.const 0))
          (block $done_c (loop $next_c
            (br_if $done_c (i32.ge_u (local.get $c) (i32.const 8)))
            (local.set $j (i32.add (i32.shl (local.get $jp) (i32.const 3)) (local.get $c)))
            (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (local.get $j) (local.get $csb)) (i32.mul (local.get $l0) (local.get $rsb)))))
            (local.set $l (local.get $l0))
            (block $done_l (loop $next_l
              (br_if $done_l (i32.ge_u (local.get $l) (local.get $k)))
              (f32.store
                (i32.add (local.get $q) (i32.add (i32.shl (local.get $l) (i32.const 5)) (i32.shl (local.get $c) (i32.const 2))))
                (if (result f32) (i32.lt_u (local.get $j) (local.get $n))
                  (then (f32.load (local.get $p)))
                  (else (f32.const 0))))
              (local.set $p (i32.add (local.get $p) (local.get $rsb)))
              (local.set $l (i32.add (local.get $l) (i32.const 1)))
              (br $next_l)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $next_c)))))
      (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
      (br $next_jp))))

  ;; ---- the 4×8 register tile ----------------------------------------------------------------------

  ;; C[0:4, 0:8] at c (row stride ldcb bytes) = (load ? C : 0) + Σ_l a(:, l) b(l, :) for kc steps of
  ;; the packed panels at a (16 bytes per l) and b (32 bytes per l), in l order.
  (func $tile (param $kc i32) (param $a i32) (param $b i32) (param $c i32) (param $ldcb i32) (param $load i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $av v128) (local $p i32) (local $end i32)
    (if (local.get $load)
      (then
        (local.set $p (local.get $c))
        (local.set $c00 (v128.load align=4 (local.get $p)))
        (local.set $c01 (v128.load offset=16 align=4 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $ldcb)))
        (local.set $c10 (v128.load align=4 (local.get $p)))
        (local.set $c11 (v128.load offset=16 align=4 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $ldcb)))
        (local.set $c20 (v128.load align=4 (local.get $p)))
        (local.set $c21 (v128.load offset=16 align=4 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (local.get $ldcb)))
        (local.set $c30 (v128.load align=4 (local.get $p)))
        (local.set $c31 (v128.load offset=16 align=4 (local.get $p)))))
    (local.set $end (i32.add (local.get $b) (i32.shl (local.get $kc) (i32.const 5))))
    (block $done (loop $step
      (br_if $done (i32.ge_u (local.get $b) (local.get $end)))
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $av (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $av (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (br $step)))
    (local.set $p (local.get $c))
    (v128.store align=4 (local.get $p) (local.get $c00))
    (v128.store offset=16 align=4 (local.get $p) (local.get $c01))
    (local.set $p (i32.add (local.get $p) (local.get $ldcb)))
    (v128.store align=4 (local.get $p) (local.get $c10))
    (v128.store offset=16 align=4 (local.get $p) (local.get $c11))
    (local.set $p (i32.add (local.get $p) (local.get $ldcb)))
    (v128.store align=4 (local.get $p) (local.get $c20))
    (v128.store offset=16 align=4 (local.get $p) (local.get $c21))
    (local.set $p (i32.add (local.get $p) (local.get $ldcb)))
    (v128.store align=4 (local.get $p) (local.get $c30))
    (v128.store offset=16 align=4 (local.get $p) (local.get $c31)))

  ;; Copy the rows×cols corner of a 4×8 tile between C (row stride ldcb bytes) and a packed 4×8
  ;; scratch tile (32 bytes per row): toScratch = 1 copies C → scratch, 0 scratch → C.
  (func $edge_copy (param $c i32) (param $ldcb i32) (param $s i32) (param $rows i32) (param $cols i32) (param $toScratch i32)
    (local $r i32) (local $j i32) (local $cp i32) (local $sp i32)
    (local.set $r (i32.const 0))
    (block $done_r (loop $next_r
      (br_if $done_r (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $done_j (loop $next_j
        (br_if $done_j (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $cp (i32.add (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $ldcb))) (i32.shl (local.get $j) (i32.const 2))))
        (local.set $sp (i32.add (i32.add (local.get $s) (i32.shl (local.get $r) (i32.const 5))) (i32.shl (local.get $j) (i32.const 2))))
        (if (local.get $toScratch)
          (then (f32.store (local.get $sp) (f32.load (local.get $cp))))
          (else (f32.store (local.get $cp) (f32.load (local.get $sp)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next_j)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next_r))))

  ;; ---- the blocked product ------------------------------------------------------------------------

  ;; C = (acc ? C : 0) + A·B from packed panels, for the row micro-panels [ip0, ip1) (threads split
  ;; rows). k is blocked by kcmax (the partial sums round-trip through C as float32, which keeps every
  ;; element's sum exactly sequential), rows by mcp panels; scratch is 128 bytes for edge tiles.
  (func $gemm (export "gemm")
    (param $ap i32) (param $bp i32) (param $c i32) (param $m i32) (param $n i32) (param $k i32)
    (param $ldc i32) (param $acc i32) (param $ip0 i32) (param $ip1 i32) (param $kcmax i32) (param $mcp i32) (param $scratch i32)
    (local $pc i32) (local $kc i32) (local $load i32) (local $jp i32) (local $np i32) (local $ip i32)
    (local $ldcb i32) (local $bpp i32) (local $cp i32) (local $rows i32) (local $cols i32) (local $ic i32) (local $icEnd i32)
    (local.set $ldcb (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $np (i32.shr_u (i32.add (local.get $n) (i32.const 7)) (i32.const 3)))
    (local.set $pc (i32.const 0))
    (block $done_pc (loop $next_pc
      (br_if $done_pc (i32.ge_u (local.get $pc) (local.get $k)))
      (local.set $kc (i32.sub (local.get $k) (local.get $pc)))
      (if (i32.gt_u (local.get $kc) (local.get $kcmax)) (then (local.set $kc (local.get $kcmax))))
      (local.set $load (i32.or (local.get $acc) (i32.ne (local.get $pc) (i32.const 0))))
      ;; blocks of mcp row panels: their A block stays in L2 while every B panel passes over it
      (local.set $ic (local.get $ip0))
      (block $done_ic (loop $next_ic
      (br_if $done_ic (i32.ge_u (local.get $ic) (local.get $ip1)))
      (local.set $icEnd (i32.add (local.get $ic) (local.get $mcp)))
      (if (i32.gt_u (local.get $icEnd) (local.get $ip1)) (then (local.set $icEnd (local.get $ip1))))
      (local.set $jp (i32.const 0))
      (block $done_jp (loop $next_jp
        (br_if $done_jp (i32.ge_u (local.get $jp) (local.get $np)))
        (local.set $bpp (i32.add (local.get $bp) (i32.shl (i32.add (i32.mul (local.get $jp) (local.get $k)) (local.get $pc)) (i32.const 5))))
        (local.set $cols (i32.sub (local.get $n) (i32.shl (local.get $jp) (i32.const 3))))
        (if (i32.gt_u (local.get $cols) (i32.const 8)) (then (local.set $cols (i32.const 8))))
        (local.set $ip (local.get $ic))
        (block $done_ip (loop $next_ip
          (br_if $done_ip (i32.ge_u (local.get $ip) (local.get $icEnd)))
          (local.set $cp (i32.add (local.get $c)
            (i32.add (i32.mul (i32.shl (local.get $ip) (i32.const 2)) (local.get $ldcb)) (i32.shl (local.get $jp) (i32.const 5)))))
          (local.set $rows (i32.sub (local.get $m) (i32.shl (local.get $ip) (i32.const 2))))
          (if (i32.gt_u (local.get $rows) (i32.const 4)) (then (local.set $rows (i32.const 4))))
          (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
            (then
              (call $tile (local.get $kc)
                (i32.add (local.get $ap) (i32.shl (i32.add (i32.mul (local.get $ip) (local.get $k)) (local.get $pc)) (i32.const 4)))
                (local.get $bpp) (local.get $cp) (local.get $ldcb) (local.get $load)))
            (else
              (if (local.get $load)
                (then (call $edge_copy (local.get $cp) (local.get $ldcb) (local.get $scratch) (local.get $rows) (local.get $cols) (i32.const 1))))
              (call $tile (local.get $kc)
                (i32.add (local.get $ap) (i32.shl (i32.add (i32.mul (local.get $ip) (local.get $k)) (local.get $pc)) (i32.const 4)))
                (local.get $bpp) (local.get $scratch) (i32.const 32) (local.get $load))
              (call $edge_copy (local.get $cp) (local.get $ldcb) (local.get $scratch) (local.get $rows) (local.get $cols) (i32.const 0))))
          (local.set $ip (i32.add (local.get $ip) (i32.const 1)))
          (br $next_ip)))
        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
        (br $next_jp)))
      (local.set $ic (local.get $icEnd))
      (br $next_ic)))
      (local.set $pc (i32.add (local.get $pc) (local.get $kc)))
      (br $next_pc))))
)
