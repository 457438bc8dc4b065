//! Memory measurement, as the contract defines `memory_used_mb`: on the CPU the process's whole resident set
//! (anonymous plus file-backed pages, `VmRSS`) after returning freed heap to the OS with `malloc_trim`; on CUDA the
//! device's used memory from NVML. Host totals come from sysinfo. Take a reading before and after a load; the
//! difference is the model's footprint.

/// One device's memory, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceMemory {
    pub index: u32,
    pub name: String,
    pub total: u64,
    pub used: u64,
    pub free: u64,
}

/// Makes every allocation of 1 MiB or more a private mapping of its own, so freeing a tensor returns its memory to
/// the OS at once. glibc otherwise raises the threshold after the first large free (up to 32 MiB), and later
/// tensors land in the heap, where freed memory stays resident until some later trim: the resident set would then
/// lag an unload and under-count the next load. `LoadedModel::load` calls it; it is idempotent.
#[allow(unsafe_code)]
pub fn release_large_frees() {
    // SAFETY: mallopt only changes glibc's allocation policy for later calls; it touches no caller memory.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Returns freed heap pages to the OS, so that a resident-set reading reflects live memory only.
#[allow(unsafe_code)]
pub fn trim_heap() {
    // SAFETY: malloc_trim only releases free pages of glibc's heap; it reads no caller memory and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The process's resident set in bytes (`VmRSS` of /proc/self/status), after [`trim_heap`]. `None` off Linux.
pub fn resident_bytes() -> Option<u64> {
    trim_heap();
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The host's memory as the CPU "device" reports it: total, used and available (sysinfo), in bytes.
pub fn host_memory() -> Option<DeviceMemory> {
    let mut sys = sysinfo::System::new().ok()?;
    sys.refresh_memory();
    let (total, free) = (sys.total_memory(), sys.available_memory());
    Some(DeviceMemory {
        index: 0,
        name: "cpu".into(),
        total,
        used: total.saturating_sub(free),
        free,
    })
}

/// Every CUDA device's memory from NVML; empty when NVML cannot start (no driver, no GPU).
pub fn cuda_devices() -> Vec<DeviceMemory> {
    let Ok(nvml) = nvml_wrapper::Nvml::init() else {
        return Vec::new();
    };
    let count = nvml.device_count().unwrap_or(0);
    (0..count)
        .filter_map(|index| {
            let device = nvml.device_by_index(index).ok()?;
            let info = device.memory_info().ok()?;
            let name = device.name().unwrap_or_else(|_| format!("cuda:{index}"));
            Some(DeviceMemory {
                index,
                name,
                total: info.total,
                used: info.used,
                free: info.free,
            })
        })
        .collect()
}

/// The used memory of the device a model lives on: NVML for `Cuda(n)`, the resident set for the CPU.
pub fn used_bytes(device: tch::Device) -> Option<u64> {
    match device {
        tch::Device::Cuda(n) => cuda_devices()
            .into_iter()
            .find(|d| d.index as usize == n)
            .map(|d| d.used),
        _ => resident_bytes(),
    }
}
