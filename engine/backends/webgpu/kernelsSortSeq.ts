// libstdc++'s selection and sorting algorithms in WGSL, step for step as engine/backends/cpu/reduce.ts
// ports them (std::sort's introsort with its final insertion sort, std::partial_sort, std::nth_element's
// introselect, and ATen's quick_select_template), so that a GPU thread that runs one of them over a slice
// leaves equal elements exactly where PyTorch's CPU kernels (and the CPU engine) leave them. They work on
// the items A[ab + k] (i32 element indices of one slice; `ab` a private the kernel sets) through the
// kernel's `less(a: i32, b: i32) -> bool` over element indices.
//
// The GPU compiler inlines every call, so the code is arranged for one call site per routine: the heap
// (__heap_select then __sort_heap) runs every __adjust_heap it makes from one loop; introsort and
// introselect share one loop (`sel`), whose recursion on the right part becomes an explicit stack (the
// parts are disjoint, so the order they are finished in does not matter; the depth limit bounds the
// stack by 2·log2(n) + 1 entries); the final insertion sorts are one routine; the comparisons of
// __move_median_to_first are made before its one swap (they are pure). Used by kernelsSort.ts.

/** The WGSL: heap(first, middle, last, sortIt) = std::partial_sort when sortIt; intro(first, last, nth, sel) = std::sort or std::nth_element; quickSelect(k, n). */
export const STL_WGSL = `var<private> ab: u32;
fn ga(k: i32) -> i32 { return A[ab + u32(k)]; }
fn sa(k: i32, v: i32) { A[ab + u32(k)] = v; }
fn swp(i: i32, j: i32) { let t = ga(i); sa(i, ga(j)); sa(j, t); }
fn adjustHeap(first: i32, hole0: i32, len: i32, v: i32) {
  let top = hole0;
  var hole = hole0;
  var child = hole0;
  while (child < (len - 1) / 2) {
    child = 2 * (child + 1);
    if (less(ga(first + child), ga(first + child - 1))) { child--; }
    sa(first + hole, ga(first + child));
    hole = child;
  }
  if ((len & 1) == 0 && child == (len - 2) / 2) {
    child = 2 * (child + 1);
    sa(first + hole, ga(first + child - 1));
    hole = child - 1;
  }
  var parent = (hole - 1) / 2;
  while (hole > top && less(ga(first + parent), v)) {
    sa(first + hole, ga(first + parent));
    hole = parent;
    parent = (hole - 1) / 2;
  }
  sa(first + hole, v);
}
fn heap(first: i32, middle: i32, last: i32, sortIt: bool) {
  let len = middle - first;
  var parent = select(-1, (len - 2) / 2, len >= 2);
  var i = middle;
  var end = middle;
  loop {
    var hole = 0;
    var n = len;
    var v = 0;
    if (parent >= 0) {
      hole = parent;
      v = ga(first + parent);
      parent--;
    } else {
      while (i < last && !less(ga(i), ga(first))) { i++; }
      if (i < last) {
        v = ga(i);
        sa(i, ga(first));
        i++;
      } else if (sortIt && end - first > 1) {
        end--;
        v = ga(end);
        sa(end, ga(first));
        n = end - first;
      } else { return; }
    }
    adjustHeap(first, hole, n, v);
  }
}
fn partitionPivot(first: i32, last: i32) -> i32 {
  let x = first + 1;
  let y = first + (last - first) / 2;
  let z = last - 1;
  let xy = less(ga(x), ga(y));
  let yz = less(ga(y), ga(z));
  let xz = less(ga(x), ga(z));
  var m = y;
  if (xy) { if (yz) { m = y; } else if (xz) { m = z; } else { m = x; } } else if (xz) { m = x; } else if (yz) { m = z; }
  swp(first, m);
  var lo = first + 1;
  var hi = last;
  loop {
    while (less(ga(lo), ga(first))) { lo++; }
    hi--;
    while (less(ga(first), ga(hi))) { hi--; }
    if (!(lo < hi)) { return lo; }
    swp(lo, hi);
    lo++;
  }
}
fn insertion(first: i32, last: i32) {
  if (first == last) { return; }
  for (var i = first + 1; i < last; i++) {
    let v = ga(i);
    if (i < first + 16 && less(v, ga(first))) {
      for (var j = i; j > first; j--) { sa(j, ga(j - 1)); }
      sa(first, v);
    } else {
      var at = i;
      var next = i - 1;
      while (less(v, ga(next))) { sa(at, ga(next)); at = next; next--; }
      sa(at, v);
    }
  }
}
fn intro(first0: i32, last0: i32, nth: i32, sel: bool) {
  if (last0 <= first0 || (sel && nth == last0)) { return; }
  let small = select(16, 3, sel);
  var stack: array<vec3<i32>, 64>;
  stack[0] = vec3<i32>(first0, last0, i32(firstLeadingBit(u32(last0 - first0))) * 2);
  var sp = 1;
  var lo = first0;
  var hi = last0;
  while (sp > 0) {
    sp--;
    var first = stack[sp].x;
    var last = stack[sp].y;
    var depth = stack[sp].z;
    while (last - first > small) {
      if (depth == 0) {
        heap(first, select(last, nth + 1, sel), last, !sel);
        if (sel) { swp(first, nth); return; }
        break;
      }
      depth--;
      let cut = partitionPivot(first, last);
      if (sel) {
        if (cut <= nth) { first = cut; } else { last = cut; }
      } else {
        stack[sp] = vec3<i32>(cut, last, depth);
        sp++;
        last = cut;
      }
    }
    if (sel) { lo = first; hi = last; }
  }
  insertion(lo, hi);
}
fn quickSelect(k: i32, n: i32) {
  var L = 0;
  var R = n - 1;
  loop {
    if (R <= L) { return; }
    // the median of three to L (two elements: just ordered); one comparison site for the four of the CPU's code
    let two = R == L + 1;
    if (!two) { swp(L + (R - L) / 2, L + 1); }
    for (var c = 0; c < 3; c++) {
      var x = L + 1;
      var y = R;
      if (c == 1 || two) { x = L; }
      if (c == 2) { y = L; }
      if (less(ga(x), ga(y))) { swp(x, y); }
      if (two) { return; }
    }
    var i = L + 1;
    var j = R;
    let piv = ga(L);
    loop {
      loop { i++; if (!less(piv, ga(i))) { break; } }
      loop { j--; if (!less(ga(j), piv)) { break; } }
      if (j < i) { break; }
      swp(i, j);
    }
    swp(L, j);
    if (j <= k) { L = i; }
    if (j >= k) { R = j - 1; }
  }
}`;
