# node-gyp's build of the addon: the same sources and flags as the cmake-js build (both read native/addon.json),
# linked against the same prebuilt llama.cpp of node-llama-cpp's platform package. scripts/addon-inputs.mjs
# computes every list; nothing is downloaded (node-gyp itself needs Node's headers: see scripts/build-addon-gyp.mjs).
#   npm run build:gyp    (stages these inputs in build-gyp/ and runs npm's own node-gyp there, offline)
#   node-gyp rebuild --nodedir=<Node's install prefix>    (in a clone: replaces the cmake-js addon in build/)
{
  "targets": [
    {
      "target_name": "llama_steer",
      "sources": ["<!@(node scripts/addon-inputs.mjs sources)"],
      "defines": ["<!@(node scripts/addon-inputs.mjs defines)"],
      "include_dirs": ["<!@(node scripts/addon-inputs.mjs include_dirs)"],
      "libraries": ["<!@(node scripts/addon-inputs.mjs libraries)"],
      # node-gyp's defaults turn C++ exceptions and RTTI off and pick Node's own C++ standard; the addon is built as
      # by CMake: C++ exceptions (node-addon-api throws them), RTTI, and the standard of native/addon.json (17).
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++20"],
      "cflags_cc": ["-std=<!(node scripts/addon-inputs.mjs cxx_standard)", "<!@(node scripts/addon-inputs.mjs flags)"],
      "conditions": [
        ["OS=='linux'", {
          "ldflags": ["-Wl,-rpath,<!@(node scripts/addon-inputs.mjs runpath)"]
        }],
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "<!(node scripts/addon-inputs.mjs cxx_standard)",
            "OTHER_CPLUSPLUSFLAGS": ["<!@(node scripts/addon-inputs.mjs flags)"],
            "OTHER_LDFLAGS": ["-Wl,-rpath,<!@(node scripts/addon-inputs.mjs runpath)"]
          }
        }],
        ["OS=='win'", {
          "msvs_settings": {
            "VCCLCompilerTool": {
              "ExceptionHandling": 1,
              "AdditionalOptions": ["<!@(node scripts/addon-inputs.mjs msvc_flags)"]
            }
          }
        }]
      ]
    }
  ]
}
