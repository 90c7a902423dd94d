/*
 * rt_driver.h — the VTA driver interface the runtime calls, restated from upstream
 * vta/driver.h (the same declarations as Sources/CVTASim/include/vta_driver.h).
 *
 * Why a copy: the runtime is board code that must not depend on the simulator target; it
 * links against whichever implementation is there (the pynq-style board driver on the drive,
 * CVTASim here). These are the only accelerator entry points the runtime uses.
 */
#ifndef VTAC_RT_DRIVER_H_
#define VTAC_RT_DRIVER_H_

#include <stddef.h>
#include <stdint.h>

#define RT_VTA_CACHED 1

void *VTADeviceAlloc(void);
void VTADeviceFree(void *handle);
int VTADeviceRun(void *device, uint32_t insn_phy_addr, uint32_t insn_count, uint32_t wait_cycles);
void *VTAMemAlloc(size_t size, int cached);
void VTAMemFree(void *buf);
uint32_t VTAMemGetPhyAddr(void *buf);
void VTAFlushCache(void *vir_addr, uint32_t phy_addr, int size);
void VTAInvalidateCache(void *vir_addr, uint32_t phy_addr, int size);

#endif /* VTAC_RT_DRIVER_H_ */
