{
  "targets": [
    {
      "target_name": "ewpcap",
      "sources": [
        "addon/addon.cc",
        "addon/loader.cc",
        "addon/capture.cc",
        "addon/capture_loop.cc",
        "addon/registry.cc",
        "addon/devices.cc",
        "addon/filter.cc",
        "addon/savefile.cc",
        "addon/savefile_stream.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        # An error thrown to JavaScript while the thread's environment is
        # being torn down (process.exit() or a worker's terminate() during a
        # native call) is dropped instead of rethrown as a C++ exception,
        # which would end the process in std::terminate().
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "EWPCAP_SOURCE_FINGERPRINT=<!(node -p \"try{require('./scripts/fingerprint.js').fingerprint()}catch(e){'unknown'}\")"
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CPLUSPLUSFLAGS": ["-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "WarningLevel": 3 } },
      "conditions": [
        ["OS=='linux'", {
          "libraries": ["-ldl"],
          "ldflags": ["-static-libstdc++", "-Wl,--exclude-libs,ALL", "-Wl,--gc-sections"]
        }],
        ["OS=='win'", { "defines": ["WIN32_LEAN_AND_MEAN", "NOMINMAX"] }]
      ]
    }
  ]
}
