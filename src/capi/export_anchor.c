/* The shared library's own translation unit is empty: every exported symbol
 * comes from the capi layer linked in whole. */
typedef int wzp_export_anchor_unused;
