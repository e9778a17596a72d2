/*
 * A stand-in for Windows' bcryptprimitives.dll, which Debian's wine 8.0
 * lacks and every Rust program since 1.78 imports (std's random seeding
 * calls ProcessPrng). It fills the buffer from RtlGenRandom (exported by
 * advapi32 as SystemFunction036), which wine implements.
 *
 * Built by .ci/steps/60-windows.sh into the wine prefix's system32:
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *     bcryptprimitives.c -ladvapi32 -Wl,--kill-at
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* ProcessPrng takes a SIZE_T length; RtlGenRandom a ULONG, so fill in
 * chunks. It always returns TRUE on real Windows. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
