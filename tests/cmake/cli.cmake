# The command-line tests (tests/cli/*_test.cpp, in petal_tests) run the built
# `petal` binary; they need its path, and it must be built first.
add_dependencies(petal_tests petal_cli)
target_compile_definitions(petal_tests PRIVATE PETAL_CLI_PATH="$<TARGET_FILE:petal_cli>")
target_link_libraries(petal_tests PRIVATE nlohmann_json::nlohmann_json)

# scripts/tutorial's data lookup and checksum verification, without network.
add_test(NAME cli.tutorial_script_checks
  COMMAND bash ${PROJECT_SOURCE_DIR}/tests/cli/tutorial_script_test.sh ${PROJECT_SOURCE_DIR})
set_tests_properties(cli.tutorial_script_checks PROPERTIES TIMEOUT 60 LABELS cli)
