/* Cortex-M startup for the onnxc firmware example: vectors, reset, fault report, semihosting I/O and exit. */
#include <stdint.h>

/* Symbols of the linker script (sections.ld). */
extern uint32_t __stack_top[], __stack_limit[];
extern uint32_t __data_start[], __data_end[], __data_load[];
extern uint32_t __bss_start[], __bss_end[];
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

int main(void);
void fw_puts(const char *s);
void fw_exit(int status) __attribute__((noreturn));

/* System control block registers. */
#define SCB_REG(off) (*(volatile uint32_t *)(0xE000ED00u + (off)))
#define SCB_SHCSR SCB_REG(0x24)
#define SCB_CFSR SCB_REG(0x28)
#define SCB_HFSR SCB_REG(0x2C)
#define SCB_MMFAR SCB_REG(0x34)
#define SCB_BFAR SCB_REG(0x38)
#define SCB_CPACR SCB_REG(0x88)

/* ---- Semihosting (qemu: -semihosting-config enable=on,target=native) ---- */

static int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Writes a NUL-terminated string to the host's console (SYS_WRITE0). */
void fw_puts(const char *s) { semihost(0x04, s); }

/* Ends the program; qemu exits with STATUS (SYS_EXIT_EXTENDED, else SYS_EXIT: 0 or 1). */
void fw_exit(int status) {
  const uint32_t app_exit = 0x20026u, runtime_error = 0x20023u;
  uint32_t block[2] = {app_exit, (uint32_t)status};
  semihost(0x20, block);
  semihost(0x18, (const void *)(uintptr_t)(status == 0 ? app_exit : runtime_error));
  for (;;)
    __asm__ volatile("wfi");
}

/* newlib's exit() ends here. */
void _exit(int status) __attribute__((noreturn));
void _exit(int status) { fw_exit(status); }

/* ---- Faults and unexpected exceptions ---------------------------------- */

static char *put_str(char *p, const char *s) {
  while (*s)
    *p++ = *s++;
  return p;
}

static char *put_hex(char *p, uint32_t v) {
  int i;
  p = put_str(p, "0x");
  for (i = 28; i >= 0; i -= 4)
    *p++ = "0123456789abcdef"[(v >> i) & 0xF];
  return p;
}

/* Called by Fault_Handler on a fresh stack: FRAME is the stacked r0-r3, r12, lr, pc, xpsr. */
void fw_fault_report(const uint32_t *frame) __attribute__((noreturn, used));
void fw_fault_report(const uint32_t *frame) {
  static const char *const names[16] = {
      "?", "Reset", "NMI", "HardFault", "MemManage", "BusFault", "UsageFault", "SecureFault",
      "?", "?", "?", "SVCall", "DebugMonitor", "?", "PendSV", "SysTick"};
  char line[200], *p = line;
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  ipsr &= 0x1FF;
  p = put_str(p, "fault: ");
  p = put_str(p, ipsr < 16 ? names[ipsr] : "IRQ");
  p = put_str(p, " (exception ");
  if (ipsr >= 100)
    *p++ = (char)('0' + ipsr / 100);
  if (ipsr >= 10)
    *p++ = (char)('0' + ipsr / 10 % 10);
  *p++ = (char)('0' + ipsr % 10);
  p = put_str(p, ")");
  p = put_str(p, " pc=");
  p = put_hex(p, frame[6]);
  p = put_str(p, " lr=");
  p = put_hex(p, frame[5]);
  p = put_str(p, " cfsr=");
  p = put_hex(p, SCB_CFSR);
  p = put_str(p, " hfsr=");
  p = put_hex(p, SCB_HFSR);
  p = put_str(p, " mmfar=");
  p = put_hex(p, SCB_MMFAR);
  p = put_str(p, " bfar=");
  p = put_hex(p, SCB_BFAR);
  p = put_str(p, "\n");
  *p = '\0';
  fw_puts(line);
  fw_exit(128 + (int)ipsr);
}

/* Every exception but Reset lands here: find the stacked frame, move to a fresh stack
 * (the fault may be a stack overflow), report and exit with status 128 + exception number. */
void Fault_Handler(void) __attribute__((naked));
void Fault_Handler(void) {
  __asm__ volatile("tst lr, #4\n\t"
                   "ite eq\n\t"
                   "mrseq r0, msp\n\t"
                   "mrsne r0, psp\n\t"
                   "movw r1, #:lower16:__stack_top\n\t"
                   "movt r1, #:upper16:__stack_top\n\t"
                   "mov sp, r1\n\t"
                   "b fw_fault_report\n\t");
}

/* Weak: define any of these in your own code to handle it. */
#define FW_WEAK_HANDLER(name) void name(void) __attribute__((weak, alias("Fault_Handler")))
FW_WEAK_HANDLER(NMI_Handler);
FW_WEAK_HANDLER(HardFault_Handler);
FW_WEAK_HANDLER(MemManage_Handler);
FW_WEAK_HANDLER(BusFault_Handler);
FW_WEAK_HANDLER(UsageFault_Handler);
FW_WEAK_HANDLER(SecureFault_Handler);
FW_WEAK_HANDLER(SVC_Handler);
FW_WEAK_HANDLER(DebugMon_Handler);
FW_WEAK_HANDLER(PendSV_Handler);
FW_WEAK_HANDLER(SysTick_Handler);
FW_WEAK_HANDLER(IRQ_Handler); /* every external interrupt; read IPSR to tell them apart */

/* ---- Reset ---------------------------------------------------------------- */

/* Runs after the FPU is on: C runtime set-up, then main. */
static void __attribute__((noinline, noreturn)) fw_start(void) {
  uint32_t *src = __data_load, *dst = __data_start;
  void (**ctor)(void);
  while (dst < __data_end)
    *dst++ = *src++;
  for (dst = __bss_start; dst < __bss_end;)
    *dst++ = 0;
  for (ctor = __init_array_start; ctor < __init_array_end; ++ctor)
    (*ctor)();
  fw_exit(main());
}

void Reset_Handler(void) __attribute__((noreturn));
void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  /* CP10/CP11 full access: FPU (and Helium) on, before any floating-point instruction. */
  SCB_CPACR |= 0xFu << 20;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
  /* Armv8-M: a stack overflow becomes a UsageFault instead of corrupting memory. */
  __asm__ volatile("msr msplim, %0" ::"r"(__stack_limit));
#endif
  /* MemManage, BusFault and UsageFault get their own exception numbers in reports. */
  SCB_SHCSR |= (1u << 16) | (1u << 17) | (1u << 18);
  fw_start();
}

/* ---- Vector table (placed first in the code region by sections.ld) ------ */

typedef union {
  void (*fn)(void);
  uint32_t *sp;
} fw_vector;

#define FW_IRQ {.fn = IRQ_Handler}
#define FW_IRQ8 FW_IRQ, FW_IRQ, FW_IRQ, FW_IRQ, FW_IRQ, FW_IRQ, FW_IRQ, FW_IRQ
__attribute__((section(".vectors"), used)) const fw_vector fw_vectors[16 + 32] = {
    {.sp = __stack_top},
    {.fn = Reset_Handler},
    {.fn = NMI_Handler},
    {.fn = HardFault_Handler},
    {.fn = MemManage_Handler},
    {.fn = BusFault_Handler},
    {.fn = UsageFault_Handler},
    {.fn = SecureFault_Handler},
    {0},
    {0},
    {0},
    {.fn = SVC_Handler},
    {.fn = DebugMon_Handler},
    {0},
    {.fn = PendSV_Handler},
    {.fn = SysTick_Handler},
    FW_IRQ8,
    FW_IRQ8,
    FW_IRQ8,
    FW_IRQ8, /* external interrupts 0-31 */
};
