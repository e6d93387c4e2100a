# Writes the roff man page onnx-tidy.1 from the binary's own --help texts:
#   cmake -DEXE=path/to/onnx-tidy -DOUT=onnx-tidy.1 -DVERSION=x.y.z -P cmake/manpage.cmake
function(help_of out)
  execute_process(COMMAND ${EXE} ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "'onnx-tidy ${ARGN} --help' failed (${rc})")
  endif()
  # roff: a leading dot or quote would be a request, a backslash an escape.
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

help_of(main)
help_of(check check)
help_of(fix fix)
help_of(rules rules)
string(TIMESTAMP unused "%Y")
file(WRITE ${OUT} ".TH ONNX-TIDY 1 \"\" \"onnx-tidy ${VERSION}\" \"User Commands\"
.SH NAME
onnx-tidy \\- lint and fix element types in ONNX models
.SH SYNOPSIS
.B onnx-tidy check
[\\fIOPTIONS\\fR] \\fIMODEL\\fR...
.br
.B onnx-tidy fix
[\\fIOPTIONS\\fR] \\fIMODEL\\fR... (\\fB\\-o\\fR \\fIOUT\\fR | \\fB\\-\\-in\\-place\\fR | \\fB\\-\\-dry\\-run\\fR | \\fB\\-\\-diff\\fR)
.br
.B onnx-tidy rules
[\\fB\\-\\-format\\fR \\fItext|json|markdown\\fR]
.SH DESCRIPTION
onnx-tidy walks a whole ONNX model, subgraphs and functions included, reports every
element-type problem with where each dtype came from, and fixes them: it inserts Casts,
rewrites initializers to one precision, removes no-op Casts.
.SH OPTIONS
.nf
${main}
.fi
.SS check
.nf
${check}
.fi
.SS fix
.nf
${fix}
.fi
.SS rules
.nf
${rules}
.fi
.SH EXIT STATUS
0 no error finding; 1 at least one error finding (or, for fix, errors left or nothing
written); 2 a usage error or a file that cannot be read, with one line on stderr.
.SH SEE ALSO
The rules' pages and the JSON schemas in the documentation folder
(share/doc/onnx-tidy).
")
