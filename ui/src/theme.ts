//! Calm teal-blue palette and IBM Plex Sans Arabic (it carries Latin glyphs too) for both languages.
import { createTheme, type MantineColorsTuple } from "@mantine/core";

const wasel: MantineColorsTuple = [
  "#e7f6f7",
  "#d2eaec",
  "#a4d3d8",
  "#72bbc3",
  "#4ba7b1",
  "#329aa6",
  "#2094a1",
  "#0f7f8c",
  "#00717d",
  "#00626d",
];

const fontFamily = "'IBM Plex Sans Arabic', system-ui, 'Segoe UI', sans-serif";

export const theme = createTheme({
  primaryColor: "wasel",
  primaryShade: 7,
  colors: { wasel },
  fontFamily,
  headings: { fontFamily, fontWeight: "700" },
  defaultRadius: "md",
  cursorType: "pointer",
  components: {
    Paper: { defaultProps: { radius: "md" } },
    // Uppercase labels read as shouting in English and mean nothing in Arabic.
    Badge: { defaultProps: { radius: "sm" }, styles: { root: { textTransform: "none" } } },
  },
});
