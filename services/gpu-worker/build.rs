//! Lets test and example binaries start without `LD_LIBRARY_PATH`: adds an rpath to the libtorch that torch-sys
//! linked against. That directory is `$LIBTORCH/lib` when LIBTORCH is set, else (`LIBTORCH_USE_PYTORCH=1`) the
//! `torch/lib` of the `python3` first on PATH, which is how torch-sys finds it. It also keeps libtorch_cuda linked.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    println!("cargo:rerun-if-env-changed=LIBTORCH_USE_PYTORCH");
    println!("cargo:rerun-if-env-changed=PATH");
    if let Some(dir) = torch_lib_dir() {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
        // The linker drops libtorch_cuda.so as unused (--as-needed); keep it so CUDA devices register.
        if dir.join("libtorch_cuda.so").exists() {
            println!(
                "cargo:rustc-link-arg=-Wl,--no-as-needed,-L{},-ltorch_cuda,--as-needed",
                dir.display()
            );
        }
    } else {
        println!(
            "cargo:warning=libtorch not found: set LIBTORCH, or LIBTORCH_USE_PYTORCH=1 with torch's python on PATH"
        );
    }
}

fn torch_lib_dir() -> Option<PathBuf> {
    if let Some(root) = std::env::var_os("LIBTORCH") {
        return Some(PathBuf::from(root).join("lib"));
    }
    let code = "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))";
    let out = Command::new("python3").args(["-c", code]).output().ok()?;
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    dir.is_dir().then_some(dir)
}
