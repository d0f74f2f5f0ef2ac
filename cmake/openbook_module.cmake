# openbook_module(NAME <module> DIR <src subdir> [DEPS targets...])
#
# One static library per module of the include DAG (docs/ARCHITECTURE.md). Sources are every
# *.cpp under DIR except *_test.cpp; the tests are gathered into one GoogleTest binary per module
# (openbook_<module>_tests), labelled "unit", so a module's tests link only what it depends on.
function(openbook_module)
    cmake_parse_arguments(ARG "" "NAME;DIR" "DEPS" ${ARGN})
    set(dir ${CMAKE_CURRENT_SOURCE_DIR}/${ARG_DIR})
    file(GLOB_RECURSE all_sources CONFIGURE_DEPENDS ${dir}/*.cpp)
    set(sources ${all_sources})
    list(FILTER sources EXCLUDE REGEX "_test\\.cpp$")
    set(tests ${all_sources})
    list(FILTER tests INCLUDE REGEX "_test\\.cpp$")

    set(target openbook_${ARG_NAME})
    if(sources)
        add_library(${target} STATIC ${sources})
        target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(${target} PUBLIC ${ARG_DEPS})
    else()  # a module with headers only (so far)
        add_library(${target} INTERFACE)
        target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
        target_link_libraries(${target} INTERFACE ${ARG_DEPS})
    endif()

    if(OPENBOOK_BUILD_TESTS AND tests)
        set(test_target openbook_${ARG_NAME}_tests)
        add_executable(${test_target} ${tests})
        target_link_libraries(${test_target} PRIVATE ${target} openbook_testing GTest::gtest GTest::gmock GTest::gtest_main)
        target_compile_definitions(${test_target} PRIVATE OPENBOOK_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
        gtest_discover_tests(${test_target} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
    endif()
endfunction()
